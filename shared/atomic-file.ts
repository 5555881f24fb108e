// The bot's state files: either the old or the new version, never half written, and still there
// after a crash or power loss. A write goes to a temporary file beside the target, which is
// fsynced, renamed over the target (atomic within one file system), and the folder is fsynced so
// the rename itself is on disk. Reading names a damaged file and the fix; temporary files a crash
// left behind are removed when a store opens its folder.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";

/** `<file>.<pid>.tmp` (older versions) or `<file>.<pid>.<hex>.tmp`. */
const TEMPORARY = /^(.+?)\.(\d+)(?:\.[0-9a-f]{8})?\.tmp$/;

/** Write `text` to `path` durably; the file is owner-only (`mode`, default 0600) whatever it was before. */
export async function writeFileAtomic(path: string, text: string | Uint8Array, { mode = 0o600 } = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const file = await open(temporary, "wx", mode);
  try {
    await file.writeFile(text);
    await file.chmod(mode); // the umask may have narrowed it; a wider mode is never kept
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(dir);
}

/** fsync a folder, so that a rename or a new entry in it survives a crash. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Create `dir` (and parents) and make it owner-only, also when it already existed. */
export async function privateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/**
 * Remove the temporary files a crashed write left in `dir` (for `target`'s name only, when given);
 * those of a process still running (another `dellm` writing there) are left alone. Returns the removed names.
 */
export async function removeLeftoverTemporaries(dir: string, target?: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMPORARY.exec(name);
    if (!match || (target !== undefined && match[1] !== target)) continue;
    const pid = Number(match[2]);
    if (pid !== process.pid && isRunning(pid)) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * A JSON state file checked against `schema`; undefined when it does not exist. A file that is not
 * JSON or does not match is an error naming the file, what is wrong, and `fix`.
 */
export async function readStateFile<S extends z.ZodType>(
  path: string,
  schema: S,
  { what, fix }: { what: string; fix: string },
): Promise<z.infer<S> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const detail = text.trim() === "" ? "it is empty" : `not JSON: ${(error as Error).message}`;
    throw new Error(`${what} ${path} is damaged (${detail}); ${fix}`, { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${what} ${path} is damaged (${z.prettifyError(parsed.error)}); ${fix}`);
  return parsed.data;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
