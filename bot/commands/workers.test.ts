import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readEnv } from "../../shared/config.js";
import { UsageError } from "../../shared/usage-error.js";
import { Reputation } from "../swarm/reputation.js";
import { workersCommand } from "./workers.js";

let dir: string;
const peerId = async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-workers-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  const env = readEnv({ DELLM_STATE_DIR: dir });
  await workersCommand(argv, { env, variables: {}, log: (line) => lines.push(line) });
  return lines;
}

describe("dellm workers", () => {
  it("lists what the bot kept across its restarts: results, checks, overruled, lapsed, credit, standing", async () => {
    const [honest, tamperer] = [await peerId(), await peerId()];
    const ledger = await Reputation.open(join(dir, "dellm.db"));
    ledger.recordResult(honest, "198.51.100.1");
    ledger.recordCheck(honest, true, 120);
    ledger.recordRetest(honest, 3, false);
    for (let i = 0; i < 3; i++) {
      ledger.recordResult(tamperer, "198.51.100.2");
      ledger.recordCheck(tamperer, false, 0);
    }
    ledger.recordLeaseLapsed(tamperer);
    ledger.close(); // the bot stopped; `dellm workers` reads the same file

    const [header, first, second] = (await run([])).join("\n").split("\n");
    expect(header!.split(/\s+/)).toEqual([
      "peer",
      "host",
      "results",
      "checked",
      "failed",
      "overruled",
      "lapsed",
      "credit",
      "standing",
    ]);
    expect(first!.split(/\s+/)).toEqual([honest, "198.51.100.1", "1", "1", "0", "0", "0", "150", "new"]);
    expect(second!.split(/\s+/)).toEqual([tamperer, "198.51.100.2", "3", "0", "3", "0", "1", "0", "blocked"]);
    const [json] = await run(["--json"]);
    expect(JSON.parse(json!)).toHaveLength(2);
  });

  it("blocks, trusts and clears a peer, and the standing sticks", async () => {
    const peer = await peerId();
    expect(await run(["--block", peer])).toEqual([`${peer}: blocked`]);
    const ledger = await Reputation.open(join(dir, "dellm.db"));
    expect(ledger.isBlocked(peer)).toBe(true);
    ledger.close();
    expect(await run(["--trust", peer])).toEqual([`${peer}: trusted`]);
    expect(await run(["--clear", peer])).toEqual([`${peer}: new`]);
  });

  it("says what is wrong with a bad peer id or two changes at once", async () => {
    await expect(run(["--block", "not-a-peer"])).rejects.toThrow(UsageError);
    await expect(run(["--block", "not-a-peer"])).rejects.toThrow(/a peer id is a base58 libp2p id/);
    const peer = await peerId();
    await expect(run(["--block", peer, "--trust", peer])).rejects.toThrow(/one of --block, --trust or --clear/);
    expect(await run([])).toEqual(["no volunteer has sent a result to this bot yet"]);
  });
});
