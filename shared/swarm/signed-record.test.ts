import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { describe, expect, it } from "vitest";
import { newJobId, type Task } from "../schemas.js";
import {
  boardKey,
  creditKey,
  openRecord,
  recordKey,
  RecordRejectedError,
  selectNewestRecord,
  signRecord,
} from "./signed-record.js";

const jobId = newJobId();
const task: Task = {
  id: 1,
  description: "fib",
  file: "fib.py",
  dependencies: [],
  input_output_spec: "n -> int",
  directory: "",
  context: "",
};
const key = recordKey("task", jobId, 1);
const bot = await generateKeyPair("Ed25519");
const mallory = await generateKeyPair("Ed25519");
const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("signed DHT records", () => {
  it("opens a record signed by its author, naming the signer", async () => {
    const record = await openRecord(key, await signRecord(bot, key, { job_id: jobId, task }));
    expect(record).toMatchObject({
      kind: "task",
      jobId,
      signer: peerIdFromPrivateKey(bot).toString(),
      payload: { job_id: jobId, task },
    });
    expect(record.expiresAt - record.issuedAt).toBe(300_000); // the seed's task expiry
  });

  it("rejects a record that names another signer than the key that signed it (forged)", async () => {
    const forged = decode(await signRecord(mallory, key, { job_id: jobId, task }));
    forged.signer = peerIdFromPrivateKey(bot).toString();
    await expect(openRecord(key, encode(forged))).rejects.toThrow(/signature does not match/);
  });

  it("rejects unsigned records and tampered payloads", async () => {
    const signed = decode(await signRecord(bot, key, { job_id: jobId, task }));
    await expect(openRecord(key, encode({ ...signed, signature: undefined }))).rejects.toThrow(RecordRejectedError);
    const tampered = { ...signed, payload: { job_id: jobId, task: { ...task, description: "rm -rf /" } } };
    await expect(openRecord(key, encode(tampered))).rejects.toThrow(/signature does not match/);
  });

  it("rejects a record replayed under another key", async () => {
    const bytes = await signRecord(bot, key, { job_id: jobId, task });
    await expect(openRecord(recordKey("task", jobId, 2), bytes)).rejects.toThrow(/replayed under another key/);
    await expect(openRecord(recordKey("task", newJobId(), 1), bytes)).rejects.toThrow(/replayed under another key/);
  });

  it("rejects malformed, expired, future-dated and mismatched records", async () => {
    await expect(openRecord(key, new TextEncoder().encode("not json"))).rejects.toThrow(/not UTF-8 JSON/);
    await expect(openRecord(key, encode({ v: 1, key }))).rejects.toThrow(/envelope is invalid/);
    await expect(openRecord("/other/x", await signRecord(bot, key, { job_id: jobId, task }))).rejects.toThrow(
      /not a dellm record key/,
    );
    const old = await signRecord(bot, key, { job_id: jobId, task }, { now: Date.now() - 301_000 });
    await expect(openRecord(key, old)).rejects.toThrow(/expired/);
    const future = await signRecord(bot, key, { job_id: jobId, task }, { now: Date.now() + 3_600_000 });
    await expect(openRecord(key, future)).rejects.toThrow(/future/);
    const otherTask = await signRecord(bot, recordKey("task", jobId, 2), { job_id: jobId, task }); // says task 1 under key 2
    await expect(openRecord(recordKey("task", jobId, 2), otherTask)).rejects.toThrow(/does not match key task 2/);
    await expect(signRecord(bot, key, { job_id: jobId, task: { ...task, id: -1 } })).rejects.toThrow();
  });

  it("selects the newest valid record and never an invalid one", async () => {
    const older = await signRecord(bot, key, { job_id: jobId, task }, { now: Date.now() - 10_000 });
    const newer = await signRecord(bot, key, { job_id: jobId, task });
    const forged = decode(await signRecord(mallory, key, { job_id: jobId, task }, { now: Date.now() + 1_000 }));
    forged.signer = peerIdFromPrivateKey(bot).toString();
    const keyBytes = new TextEncoder().encode(key);
    expect(await selectNewestRecord(keyBytes, [older, newer, encode(forged)])).toBe(1);
  });

  it("accepts a coordinator's board only when the coordinator itself signed it", async () => {
    const coordinator = peerIdFromPrivateKey(bot).toString();
    const board = { jobs: [{ job_id: jobId, ready: [1, 2] }] };
    const record = await openRecord(boardKey(coordinator), await signRecord(bot, boardKey(coordinator), board));
    expect(record).toMatchObject({ kind: "board", jobId: coordinator, payload: board });
    await expect(
      openRecord(boardKey(coordinator), await signRecord(mallory, boardKey(coordinator), board)),
    ).rejects.toThrow(/only a coordinator writes its own board records/);
    await expect(signRecord(bot, boardKey(coordinator), { jobs: [{ job_id: "BAD id", ready: [] }] })).rejects.toThrow();
  });

  it("accepts a volunteer's credit only from the coordinator it names, and only under the volunteer's own key", async () => {
    const coordinator = peerIdFromPrivateKey(bot).toString();
    const volunteer = peerIdFromPrivateKey(mallory).toString();
    const credit = {
      peer: volunteer,
      credit: 310,
      verified_tokens: 250,
      tests_run: 6,
      checked: 1,
      failed_checks: 0,
      standing: "new" as const,
    };
    const key = creditKey(coordinator, volunteer);
    expect(await openRecord(key, await signRecord(bot, key, credit))).toMatchObject({
      kind: "credit",
      payload: credit,
    });
    // The volunteer cannot write its own credit, nor can a bot's record about one peer stand for another.
    await expect(openRecord(key, await signRecord(mallory, key, credit))).rejects.toThrow(
      /only a coordinator writes its own credit records/,
    );
    const otherKey = creditKey(coordinator, coordinator);
    await expect(openRecord(otherKey, await signRecord(bot, otherKey, credit))).rejects.toThrow(
      /credit of .* stored under/,
    );
  });
});
