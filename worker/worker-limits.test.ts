// dellm-worker's own caps against its coordinator (issue 7): --max-snapshot-mb and --max-test-timeout,
// their defaults, their bounds, and the usage text that documents them.
import { describe, expect, it } from "vitest";
import { readEnv } from "../shared/config.js";
import { DEFAULT_MAX_SNAPSHOT_MB, DEFAULT_MAX_TEST_TIMEOUT_SECONDS } from "./snapshot-fetcher.js";
import { describeBoardEvent, parseWorkerArgs, WORKER_USAGE } from "./worker-command.js";

const env = readEnv({});
const workerArgs = ["--bootstrap", "/ip4/127.0.0.1/tcp/4001", "--coordinator", "12D3KooWpeer"];

describe("dellm-worker --max-snapshot-mb / --max-test-timeout", () => {
  it("default to 256 MiB and 300 s, and --help says so", () => {
    expect(DEFAULT_MAX_SNAPSHOT_MB).toBe(256);
    expect(DEFAULT_MAX_TEST_TIMEOUT_SECONDS).toBe(300);
    expect(parseWorkerArgs(workerArgs, env)).toMatchObject({ maxSnapshotMb: 256, maxTestTimeout: 300 });
    expect(WORKER_USAGE).toMatch(/--max-snapshot-mb <n>[\s\S]*default 256\)/);
    expect(WORKER_USAGE).toMatch(/--max-test-timeout <s>[\s\S]*default 300\)/);
  });

  it("take a volunteer's own values and refuse nonsense with the fix", () => {
    expect(parseWorkerArgs([...workerArgs, "--max-snapshot-mb", "32", "--max-test-timeout", "30"], env)).toMatchObject({
      maxSnapshotMb: 32,
      maxTestTimeout: 30,
    });
    expect(() => parseWorkerArgs([...workerArgs, "--max-snapshot-mb", "0"], env)).toThrow(
      /--max-snapshot-mb must be above 0/,
    );
    expect(() => parseWorkerArgs([...workerArgs, "--max-snapshot-mb", "4096"], env)).toThrow(/at most 2048/);
    expect(() => parseWorkerArgs([...workerArgs, "--max-test-timeout", "7200"], env)).toThrow(
      /--max-test-timeout can be at most 3600/,
    );
    expect(() => parseWorkerArgs([...workerArgs, "--max-test-timeout", "2.5"], env)).toThrow(/whole seconds/);
  });

  it("says why a grant was handed back", () => {
    expect(
      describeBoardEvent({
        kind: "grant-refused",
        jobId: "job-abcdef",
        taskId: 2,
        reason: "the grant's task file is refused: x",
      }),
    ).toBe("[worker] left job job-abcdef: the grant's task file is refused: x; task 2 released");
  });
});
