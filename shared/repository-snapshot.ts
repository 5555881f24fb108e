// The repository as the sandbox sees it: the tracked text files of one commit, read from git (never
// from the work tree, so nothing untracked or half-written slips in). Binaries, files over 1 MB,
// symbolic links and submodules are left out and listed; a repository whose text files pass the size limit is refused
// with the setting that lifts it.
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import type { SourceFile } from "./schemas.js";

const run = promisify(execFile);

export const DEFAULT_SNAPSHOT_LIMIT_BYTES = 20 * 1024 * 1024;
/** A tracked file bigger than this (data, a vendored bundle) is left out and listed, not counted. */
export const MAX_SNAPSHOT_FILE_BYTES = 1024 * 1024;

export interface RepositorySnapshot {
  /** The commit the files come from. */
  commit: string;
  files: SourceFile[];
  /** Tracked paths not copied, with why. */
  leftOut: { path: string; reason: string }[];
  bytes: number;
}

export class SnapshotTooLargeError extends Error {
  override name = "SnapshotTooLargeError";
}

/** The tracked text files of `ref` in the repository at `repoDir`. */
export async function repositorySnapshot(
  repoDir: string,
  ref: string,
  limitBytes = DEFAULT_SNAPSHOT_LIMIT_BYTES,
): Promise<RepositorySnapshot> {
  const git = (args: string[]) => run("git", args, { cwd: repoDir, maxBuffer: 256 * 1024 * 1024, encoding: "buffer" });
  const commit = (await git(["rev-parse", "--verify", `${ref}^{commit}`])).stdout.toString().trim();
  const listing = (await git(["ls-tree", "-r", "-z", "-l", commit])).stdout.toString("utf8");
  const blobs: { path: string; oid: string; size: number }[] = [];
  const leftOut: RepositorySnapshot["leftOut"] = [];
  for (const entry of listing.split("\0").filter(Boolean)) {
    const tab = entry.indexOf("\t");
    const [mode, type, oid, size] = entry.slice(0, tab).split(/\s+/);
    const path = entry.slice(tab + 1);
    if (type !== "blob") leftOut.push({ path, reason: "submodule" });
    else if (mode === "120000") leftOut.push({ path, reason: "symbolic link" });
    else if (Number(size) > MAX_SNAPSHOT_FILE_BYTES)
      leftOut.push({ path, reason: `large (${megabytes(Number(size))} MB)` });
    else blobs.push({ path, oid: oid!, size: Number(size) });
  }
  const total = blobs.reduce((sum, blob) => sum + blob.size, 0);
  if (total > limitBytes)
    throw new SnapshotTooLargeError(
      `the repository's tracked files take ${megabytes(total)} MB, over the ${megabytes(limitBytes)} MB a sandbox run copies; ` +
        `raise snapshot_limit_mb in .github/dellm.yml to test inside the repository`,
    );
  const contents = await readBlobs(
    repoDir,
    blobs.map((b) => b.oid),
  );
  const files: SourceFile[] = [];
  let bytes = 0;
  blobs.forEach((blob, index) => {
    const content = contents[index]!;
    if (content.subarray(0, 8_000).includes(0)) leftOut.push({ path: blob.path, reason: "binary" });
    else {
      files.push({ path: blob.path, content: content.toString("utf8") });
      bytes += content.length;
    }
  });
  return { commit, files, leftOut, bytes };
}

/** The snapshot with `over` laid over it (same path: the later file wins). */
export function overlay(base: readonly SourceFile[], over: readonly SourceFile[]): SourceFile[] {
  const replaced = new Set(over.map((f) => f.path));
  return [...base.filter((f) => !replaced.has(f.path)), ...over];
}

/** Blob contents in order, through one `git cat-file --batch` process. */
async function readBlobs(repoDir: string, oids: string[]): Promise<Buffer[]> {
  if (oids.length === 0) return [];
  const child = spawn("git", ["cat-file", "--batch"], { cwd: repoDir, stdio: ["pipe", "pipe", "pipe"] });
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  child.stdin.end(oids.join("\n") + "\n");
  const status = await exited;
  if (status !== 0) throw new Error(`git cat-file failed with status ${status}`);
  const output = Buffer.concat(chunks);
  const blobs: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < oids.length; i++) {
    const headerEnd = output.indexOf(0x0a, at);
    const size = Number(output.subarray(at, headerEnd).toString().split(" ")[2]);
    blobs.push(output.subarray(headerEnd + 1, headerEnd + 1 + size));
    at = headerEnd + 1 + size + 1;
  }
  return blobs;
}

function megabytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** The bytes of tracked files of `ref` (binaries included), by path. */
export async function trackedFileBytes(repoDir: string, ref: string, paths: string[]): Promise<Buffer[]> {
  const listing = (
    await run("git", ["ls-tree", "-z", ref, "--", ...paths], { cwd: repoDir, maxBuffer: 64 * 1024 * 1024 })
  ).stdout;
  const oids = new Map<string, string>();
  for (const entry of listing.split("\0").filter(Boolean)) {
    const tab = entry.indexOf("\t");
    oids.set(entry.slice(tab + 1), entry.slice(0, tab).split(/\s+/)[2]!);
  }
  const missing = paths.filter((p) => !oids.has(p));
  if (missing.length) throw new Error(`not tracked at ${ref}: ${missing.join(", ")}`);
  return readBlobs(
    repoDir,
    paths.map((p) => oids.get(p)!),
  );
}
