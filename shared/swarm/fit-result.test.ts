// A big file's result still fits one signed record: the attempts' copies of the code and long logs
// go, the code itself stays whole, and a note says what was left out.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { describe, expect, it } from "vitest";
import { passingResult } from "../../test/fixtures.js";
import type { Result } from "../schemas.js";
import { fitResult, ResultTooLargeError } from "./fit-result.js";
import { MAX_RECORD_BYTES, openRecord, recordKey, signRecord } from "./signed-record.js";

const bigCode = "x = 1  # a long line of an existing module being edited\n".repeat(12_000); // ~670 kB

function editOfBigFile(): Result {
  const base = passingResult("job-abcdef", 1, "w1", bigCode);
  const test = {
    success: true,
    stdout: "log line\n".repeat(10_000),
    stderr: "",
    tests_passed: 1,
    tests_failed: 0,
    execution_time: 1,
  };
  return {
    ...base,
    test_logs: "E assert 1 == 2\n".repeat(4_000),
    attempts: [1, 2, 3].map((attempt) => ({ attempt, code: bigCode, test })),
  };
}

describe("fitResult", () => {
  it("leaves a result that fits as it is", () => {
    const small = passingResult("job-abcdef", 1, "w1");
    expect(fitResult(small)).toBe(small);
  });

  it("makes a big edit's result fit a signed record without cutting its code, and says what it left out", async () => {
    const result = editOfBigFile();
    const key = await generateKeyPair("Ed25519");
    const recordKeyText = recordKey("result", result.job_id, result.task_id);
    await expect(signRecord(key, recordKeyText, result)).rejects.toThrow(/limit is 2097152/);
    const fitted = fitResult(result);
    const bytes = await signRecord(key, recordKeyText, fitted);
    expect(bytes.length).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    const opened = (await openRecord(recordKeyText, bytes)).payload as Result;
    expect(opened.code).toBe(bigCode);
    expect(opened.attempts.map((a) => a.code)).toEqual(["", "", ""]);
    expect(opened.attempts).toHaveLength(3);
    expect(opened.notes.at(-1)).toMatch(/^Left out to fit the \d+ KiB result record: each attempt's copy of the code/);
  });

  it("refuses, with the sizes, a result whose code alone cannot fit", () => {
    const result = passingResult("job-abcdef", 1, "w1", "y".repeat(900_000));
    expect(() => fitResult(result, 500_000)).toThrow(ResultTooLargeError);
    expect(() => fitResult(result, 500_000)).toThrow(/the file itself is 900000 bytes/);
  });
});
