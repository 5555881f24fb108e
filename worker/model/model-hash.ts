// A model is named by its file's SHA-256 (issue 22: a job's grant says which model its code must come
// from, and a verifier must hold the same weights). Hashing 1.6 GB takes seconds, so the hash is kept
// in a small cache file, keyed by the model's absolute path, size and modification time: a file that
// changed in any of them is hashed again.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { readStateFile, writeFileAtomic } from "../../shared/atomic-file.js";

/** `$XDG_CACHE_HOME/dellm/model-hashes.json`, else `~/.cache/dellm/model-hashes.json`. */
export function defaultModelHashCache(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "dellm", "model-hashes.json");
}

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const CacheSchema = z.record(
  z.string(),
  z.object({ size: z.number().int().nonnegative(), mtimeMs: z.number(), sha256: Sha256 }),
);
/** Entries kept; the oldest go first (a volunteer rarely has more than a few models). */
const MAX_ENTRIES = 64;

export interface ModelHashOptions {
  /** The cache file. Default defaultModelHashCache(). */
  cacheFile?: string;
  /** Bytes hashed so far, of the file's size (hashing shows progress like a download). */
  onProgress?: (hashedBytes: number, totalBytes: number) => void;
}

/** The model file's SHA-256 (hex), from the cache when its path, size and mtime are unchanged. */
export async function modelFileHash(path: string, options: ModelHashOptions = {}): Promise<string> {
  const absolute = resolve(path);
  const cacheFile = options.cacheFile ?? defaultModelHashCache();
  const info = await stat(absolute);
  // A damaged cache is only a cache: start it again rather than stop the worker.
  const cache =
    (await readStateFile(cacheFile, CacheSchema, { what: "model hash cache", fix: "" }).catch(() => undefined)) ?? {};
  const known = cache[absolute];
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.sha256;
  const sha256 = await hashFile(absolute, info.size, options.onProgress);
  delete cache[absolute];
  const entries = [...Object.entries(cache), [absolute, { size: info.size, mtimeMs: info.mtimeMs, sha256 }] as const];
  await writeFileAtomic(cacheFile, JSON.stringify(Object.fromEntries(entries.slice(-MAX_ENTRIES)), null, 2));
  return sha256;
}

async function hashFile(path: string, size: number, onProgress?: ModelHashOptions["onProgress"]): Promise<string> {
  const hash = createHash("sha256");
  let hashed = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    hashed += (chunk as Buffer).length;
    onProgress?.(hashed, size);
  }
  return hash.digest("hex");
}
