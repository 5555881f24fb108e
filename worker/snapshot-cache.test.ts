// The worker's snapshot cache on real files: hits, LRU eviction at the size cap (last use, not
// insertion), damaged files deleted and reported as misses, nothing half written left behind.
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packSnapshot } from "../shared/snapshot-manifest.js";
import { SnapshotCache } from "./snapshot-cache.js";

/** A snapshot of about `kb` KiB whose content depends on `name`. */
function snapshot(name: string, kb = 10) {
  const packed = packSnapshot({
    files: [{ path: `${name}.py`, content: `# ${name}\n`.padEnd(kb * 1024, "x") }],
    tests: [],
  });
  return { id: packed.id, bytes: packed.bytes };
}

describe("SnapshotCache", () => {
  it("evicts the least recently used snapshots at its cap, a hit counting as a use", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-cache-"));
    const cache = new SnapshotCache({ dir, maxBytes: 35 * 1024 });
    const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => snapshot(n));
    for (const s of [a!, b!, c!]) expect(await cache.put(s.id, s.bytes)).toBe(true);
    expect((await cache.entries()).map((e) => e.id)).toEqual([a!.id, b!.id, c!.id]);

    // Using `a` makes `b` the least recently used: the fourth snapshot pushes `b` out, not `a`.
    expect(Buffer.from((await cache.get(a!.id))!).equals(Buffer.from(a!.bytes))).toBe(true);
    await cache.put(d!.id, d!.bytes);
    expect((await cache.entries()).map((e) => e.id)).toEqual([c!.id, a!.id, d!.id]);
    expect(await cache.get(b!.id)).toBeUndefined();

    // A new cache on the same folder (the next run) keeps the order from the files' times.
    const again = new SnapshotCache({ dir, maxBytes: 25 * 1024 });
    await again.put(b!.id, b!.bytes);
    expect((await again.entries()).map((e) => e.id)).toEqual([d!.id, b!.id]);
    // No temporary files are left behind by the atomic writes.
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("does not keep a snapshot larger than its cap", async () => {
    const cache = new SnapshotCache({ dir: await mkdtemp(join(tmpdir(), "dellm-cache-")), maxBytes: 5 * 1024 });
    const big = snapshot("big", 10);
    expect(await cache.put(big.id, big.bytes)).toBe(false);
    expect(await cache.entries()).toEqual([]);
  });

  it("deletes a cached file whose content no longer hashes to its id, so the caller fetches it again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-cache-"));
    const cache = new SnapshotCache({ dir, maxBytes: 1024 * 1024 });
    const s = snapshot("damaged");
    await cache.put(s.id, s.bytes);
    const damaged = Buffer.from(s.bytes);
    damaged[100] = damaged[100]! ^ 1;
    await writeFile(join(dir, `${s.id}.snapshot`), damaged);
    expect(await cache.get(s.id)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });
});
