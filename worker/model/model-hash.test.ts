import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { modelFileHash } from "./model-hash.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-model-hash-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: string) => createHash("sha256").update(bytes).digest("hex");

describe("modelFileHash", () => {
  it("names a model by its file's SHA-256 and hashes it once while path, size and mtime stay", async () => {
    const model = join(dir, "model.gguf");
    const cacheFile = join(dir, "cache", "model-hashes.json");
    await writeFile(model, "weights v1");
    let reads = 0;
    const onProgress = () => reads++;
    expect(await modelFileHash(model, { cacheFile, onProgress })).toBe(sha256("weights v1"));
    expect(reads).toBeGreaterThan(0);
    reads = 0;
    expect(await modelFileHash(model, { cacheFile, onProgress })).toBe(sha256("weights v1"));
    expect(reads).toBe(0); // from the cache
    expect(JSON.parse(await readFile(cacheFile, "utf8"))[model].sha256).toBe(sha256("weights v1"));
  });

  it("hashes again when the file changed, even with the same size and an old mtime put back", async () => {
    const model = join(dir, "model.gguf");
    const cacheFile = join(dir, "model-hashes.json");
    await writeFile(model, "weights v1");
    await modelFileHash(model, { cacheFile });
    await writeFile(model, "weights v2"); // same size, new mtime
    expect(await modelFileHash(model, { cacheFile })).toBe(sha256("weights v2"));
    await writeFile(model, "weights v3 longer");
    await utimes(model, new Date(0), new Date(0));
    expect(await modelFileHash(model, { cacheFile })).toBe(sha256("weights v3 longer"));
  });

  it("starts a damaged cache again instead of failing", async () => {
    const model = join(dir, "model.gguf");
    const cacheFile = join(dir, "model-hashes.json");
    await writeFile(model, "weights");
    await writeFile(cacheFile, '{"truncated');
    expect(await modelFileHash(model, { cacheFile })).toBe(sha256("weights"));
    expect(Object.keys(JSON.parse(await readFile(cacheFile, "utf8")))).toEqual([model]);
  });
});
