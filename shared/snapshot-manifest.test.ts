// The snapshot's content hash: equal repositories (in any file order) get one id, any changed
// byte another; chunks fit the swarm's message limit and are checked by length and hash.
import { describe, expect, it } from "vitest";
import { chunkMatches, packSnapshot, parseSnapshot, snapshotIdOf } from "./snapshot-manifest.js";
import { MAX_MESSAGE_BYTES } from "./swarm/coordinator-protocol.js";

const a = { path: "a.py", content: "x = 1\n" };
const b = { path: "b/test_b.py", content: "def test_b():\n    assert True\n" };

describe("repository snapshot manifests", () => {
  it("name equal repositories alike whatever their file order, and a changed byte differently", () => {
    const one = packSnapshot({ files: [a, b], tests: ["b/test_b.py"] });
    expect(packSnapshot({ files: [b, a], tests: ["b/test_b.py", "b/test_b.py"] }).id).toBe(one.id);
    expect(packSnapshot({ files: [a, { ...b, content: b.content.replace("True", "true") }], tests: [] }).id).not.toBe(
      one.id,
    );
    expect(packSnapshot({ files: [a, b], tests: [] }).id).not.toBe(one.id);
    expect(snapshotIdOf(one.manifest)).toBe(one.id);
    expect(parseSnapshot(one.bytes)).toEqual({ files: [a, b], tests: ["b/test_b.py"] });
  });

  it("cut the bytes into chunks within the message limit, each checked by length and sha256", () => {
    const big = { path: "big.py", content: "#".repeat(5 * 2 ** 20) };
    const packed = packSnapshot({ files: [big], tests: [] });
    expect(packed.chunks.length).toBe(3);
    for (const [i, chunk] of packed.chunks.entries()) {
      expect(chunk.length).toBeLessThan(MAX_MESSAGE_BYTES);
      expect(chunkMatches(packed.manifest, i, chunk)).toBe(true);
    }
    const bad = Uint8Array.from(packed.chunks[1]!);
    bad[7] = bad[7]! ^ 1;
    expect(chunkMatches(packed.manifest, 1, bad)).toBe(false);
    expect(chunkMatches(packed.manifest, 2, packed.chunks[1]!)).toBe(false);
    expect(chunkMatches(packed.manifest, 3, packed.chunks[2]!)).toBe(false);
  });

  it("refuse bytes that are not a snapshot", () => {
    expect(() => parseSnapshot(new TextEncoder().encode('{"files": 1}'))).toThrow(/snapshot is invalid/);
    expect(() => parseSnapshot(new TextEncoder().encode("nope"))).toThrow(/not JSON/);
  });
});
