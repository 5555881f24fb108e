// The coordinator's snapshot store: who may read a snapshot, how often one peer and one host may
// fetch it, and that its counters go when the leases do.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { describe, expect, it } from "vitest";
import { hostOf } from "../../shared/swarm/peer-host.js";
import { MAX_COPIES_PER_HOST, MAX_COPIES_PER_PEER, SnapshotStore } from "./snapshot-store.js";

const view = { files: [{ path: "shop/models.py", content: "class Item:\n    pass\n" }], tests: [] };
const peer = async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
const HOST = "192.0.2.7";

/** A store whose leases are the pairs in `leases` ("<board> <peer>"). */
function storeWithLeases(leases: Set<string>, mayReadPrivate: (peer: string) => boolean = () => false) {
  return new SnapshotStore(mayReadPrivate, { holdsLease: (user, p) => leases.has(`${user} ${p}`) });
}

describe("SnapshotStore", () => {
  it(`serves one lease holder at most ${MAX_COPIES_PER_PEER} copies of a snapshot, others theirs`, async () => {
    const leases = new Set<string>();
    const store = storeWithLeases(leases);
    const id = store.add("job-abcdef", view);
    const [greedy, other] = [await peer(), await peer()];
    leases.add(`job-abcdef ${greedy}`).add(`job-abcdef ${other}`);
    for (let copy = 0; copy < MAX_COPIES_PER_PEER; copy++)
      expect(store.chunk(id, 0, greedy, HOST).length).toBeGreaterThan(0);
    expect(() => store.chunk(id, 0, greedy, HOST)).toThrow(
      /fetched snapshot .* 4 times already; keep it between tasks/,
    );
    expect(store.chunk(id, 0, other, "192.0.2.8").length).toBeGreaterThan(0);
    // Dropped with its last job, then held again: a fresh allowance.
    store.release("job-abcdef");
    expect(() => store.chunk(id, 0, greedy, HOST)).toThrow(/unknown snapshot/);
    expect(store.countersKept()).toBe(0);
    store.add("job-ghijkl", view);
    leases.add(`job-ghijkl ${greedy}`);
    expect(store.chunk(id, 0, greedy, HOST).length).toBeGreaterThan(0);
  });

  it("refuses a peer without a lease on one of the snapshot's jobs, and frees its counters when the lease ends", async () => {
    const leases = new Set<string>();
    const store = storeWithLeases(leases);
    const id = store.add("job-abcdef", view);
    store.add("job-other1", { files: [{ path: "a.py", content: "x = 1\n" }], tests: [] });
    const worker = await peer();
    expect(() => store.manifest(id, worker, HOST)).toThrow(/goes only to a peer holding a lease on one of its jobs/);
    expect(() => store.chunk(id, 0, worker, HOST)).toThrow(/claim a task first/);
    // A lease on another job's board opens nothing of this snapshot.
    leases.add(`job-other1 ${worker}`);
    expect(() => store.chunk(id, 0, worker, HOST)).toThrow(/goes only to a peer holding a lease/);
    expect(store.countersKept()).toBe(0);

    leases.add(`job-abcdef ${worker}`);
    store.manifest(id, worker, HOST);
    for (let copy = 0; copy < MAX_COPIES_PER_PEER; copy++) store.chunk(id, 0, worker, HOST);
    expect(() => store.chunk(id, 0, worker, HOST)).toThrow(/4 times already/);
    expect(store.countersKept()).toBe(2);
    leases.delete(`job-abcdef ${worker}`);
    store.leaseEnded("job-abcdef", worker.toString());
    expect(store.countersKept()).toBe(0);
    expect(store.servedCounts().total).toMatchObject({ manifests: 1, chunks: MAX_COPIES_PER_PEER });
    // A new lease, a new allowance.
    leases.add(`job-abcdef ${worker}`);
    expect(store.chunk(id, 0, worker, HOST).length).toBeGreaterThan(0);
  });

  it(`serves the lease holders at one host at most ${MAX_COPIES_PER_HOST} copies between them`, async () => {
    const leases = new Set<string>();
    const store = storeWithLeases(leases);
    const id = store.add("job-abcdef", view);
    const peers = await Promise.all(Array.from({ length: 3 }, peer));
    for (const p of peers) leases.add(`job-abcdef ${p}`);
    let served = 0;
    for (const p of peers)
      for (let copy = 0; copy < MAX_COPIES_PER_PEER; copy++)
        try {
          store.chunk(id, 0, p, HOST);
          served++;
        } catch (error) {
          expect((error as Error).message).toMatch(
            new RegExp(`the peers at ${HOST} hold ${MAX_COPIES_PER_HOST} copies of snapshot ${id} already`),
          );
        }
    expect(served).toBe(MAX_COPIES_PER_HOST);
    // Another host is not held back by this one.
    expect(store.chunk(id, 0, peers[2]!, "198.51.100.1")).toBeDefined();
  });

  it("gives a snapshot only private jobs use to trusted lease holders", async () => {
    const trusted = await peer();
    const stranger = await peer();
    const leases = new Set([`job-abcdef ${trusted}`, `job-abcdef ${stranger}`]);
    const store = storeWithLeases(leases, (p) => p === trusted.toString());
    const id = store.add("job-abcdef", view, { trustedOnly: true });
    expect(() => store.manifest(id, stranger, HOST)).toThrow(/private repository's job; this peer is not trusted/);
    expect(store.manifest(id, trusted, HOST).chunks).toHaveLength(1);
  });
});

describe("hostOf", () => {
  it("is the IPv4 address, or the IPv6 /64 a connection comes from", () => {
    expect(hostOf(multiaddr("/ip4/127.0.0.1/tcp/4001"))).toBe("127.0.0.1");
    expect(hostOf(multiaddr("/ip6/2001:db8:1:2:aaaa::1/tcp/4001"))).toBe("2001:db8:1:2::/64");
    expect(hostOf(multiaddr("/ip6/2001:db8:1:2:ffff:1:2:3/tcp/4001"))).toBe("2001:db8:1:2::/64");
    expect(hostOf(multiaddr("/ip6/2001:db8::7/tcp/1"))).toBe("2001:db8:0:0::/64");
    expect(hostOf(multiaddr("/ip6/::1/tcp/1"))).toBe("0:0:0:0::/64");
    expect(hostOf(multiaddr("/dns4/bot.example.org/tcp/1"))).toBe("bot.example.org");
  });
});
