// The coordinator's snapshot store: who may read a snapshot, and how often one peer may fetch it.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { describe, expect, it } from "vitest";
import { MAX_COPIES_PER_PEER, SnapshotStore } from "./snapshot-store.js";

const view = { files: [{ path: "shop/models.py", content: "class Item:\n    pass\n" }], tests: [] };
const peer = async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519"));

describe("SnapshotStore", () => {
  it(`serves one peer at most ${MAX_COPIES_PER_PEER} copies of a snapshot while it is held, others theirs`, async () => {
    const store = new SnapshotStore(() => false);
    const id = store.add("job-abcdef", view);
    const [greedy, other] = [await peer(), await peer()];
    for (let copy = 0; copy < MAX_COPIES_PER_PEER; copy++) expect(store.chunk(id, 0, greedy).length).toBeGreaterThan(0);
    expect(() => store.chunk(id, 0, greedy)).toThrow(/fetched snapshot .* 4 times already; keep it between tasks/);
    expect(store.chunk(id, 0, other).length).toBeGreaterThan(0);
    // Dropped with its last job, then held again: a fresh allowance.
    store.release("job-abcdef");
    expect(() => store.chunk(id, 0, greedy)).toThrow(/unknown snapshot/);
    store.add("job-ghijkl", view);
    expect(store.chunk(id, 0, greedy).length).toBeGreaterThan(0);
  });

  it("gives a snapshot only private jobs use to trusted peers", async () => {
    const trusted = await peer();
    const store = new SnapshotStore((p) => p === trusted.toString());
    const id = store.add("job-abcdef", view, { trustedOnly: true });
    const stranger = await peer();
    expect(() => store.manifest(id, stranger)).toThrow(/private repository's job; this peer is not trusted/);
    expect(store.manifest(id, trusted).chunks).toHaveLength(1);
  });
});
