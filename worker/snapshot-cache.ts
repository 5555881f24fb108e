// The worker's on-disk cache of repository snapshots, one file per snapshot id (`<id>.snapshot`:
// the serialized bytes), bounded in size: past the cap the least recently used are deleted (last use
// = the file's modification time, set on every hit). Files are written to a temporary name and
// renamed, so a crash leaves the old file or none; a file whose content no longer hashes to its id
// (disk damage, tampering) is deleted and reported as a miss, so the caller fetches it again.
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { manifestOf, SNAPSHOT_CHUNK_BYTES, snapshotIdOf } from "../shared/snapshot-manifest.js";

export const DEFAULT_CACHE_MB = 1024;

/** `$XDG_CACHE_HOME/dellm/snapshots`, else `~/.cache/dellm/snapshots`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "dellm", "snapshots");
}

const NAME = /^([0-9a-f]{64})\.snapshot$/;

export interface SnapshotCacheOptions {
  dir: string;
  maxBytes: number;
  /** The chunk size snapshots are cut into (their id depends on it). */
  chunkSize?: number;
}

export class SnapshotCache {
  /** Last use per id (epoch ms, strictly increasing within this process so ties never happen). */
  private clock = 0;

  constructor(private readonly options: SnapshotCacheOptions) {}

  /** The snapshot's bytes, or undefined when it is not cached (or its file failed the hash check). */
  async get(id: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(id);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch {
      return undefined;
    }
    if (snapshotIdOf(manifestOf(bytes, this.options.chunkSize ?? SNAPSHOT_CHUNK_BYTES)) !== id) {
      await rm(path, { force: true });
      return undefined;
    }
    await this.touch(path).catch(() => undefined);
    return bytes;
  }

  /**
   * Keep a snapshot (the caller checked that `bytes` hash to `id`), then delete the least recently
   * used others until the cache fits its cap. One larger than the cap is not kept; returns whether it was.
   */
  async put(id: string, bytes: Uint8Array): Promise<boolean> {
    if (bytes.length > this.options.maxBytes) return false;
    await mkdir(this.options.dir, { recursive: true });
    const path = this.pathOf(id);
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await writeFile(temporary, bytes, { mode: 0o600 });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await this.touch(path);
    await this.evict(id);
    return true;
  }

  /** The cached snapshot ids, least recently used first, with their sizes. */
  async entries(): Promise<{ id: string; bytes: number; lastUsed: number }[]> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch {
      return [];
    }
    const entries = await Promise.all(
      names.map(async (name) => {
        const id = NAME.exec(name)?.[1];
        if (!id) return undefined;
        const info = await stat(join(this.options.dir, name)).catch(() => undefined);
        return info ? { id, bytes: info.size, lastUsed: info.mtimeMs } : undefined;
      }),
    );
    return entries.filter((e) => e !== undefined).sort((a, b) => a.lastUsed - b.lastUsed);
  }

  private async evict(keep: string): Promise<void> {
    const entries = await this.entries();
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    for (const entry of entries) {
      if (total <= this.options.maxBytes) break;
      if (entry.id === keep) continue;
      await rm(this.pathOf(entry.id), { force: true });
      total -= entry.bytes;
    }
  }

  private async touch(path: string): Promise<void> {
    // Past every time on disk (also one an earlier run set a few ms ahead of the clock): a use is always the latest.
    if (this.clock === 0) this.clock = Math.max(0, ...(await this.entries()).map((e) => e.lastUsed));
    this.clock = Math.max(Date.now(), this.clock + 1);
    const at = new Date(this.clock);
    await utimes(path, at, at);
  }

  private pathOf(id: string): string {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`not a snapshot id: ${JSON.stringify(id)}`);
    return join(this.options.dir, `${id}.snapshot`);
  }
}
