// Every path an LLM or a volunteer names is checked here before anything touches the disk.
import { posix } from "node:path";

export class UnsafePathError extends Error {
  constructor(
    readonly requested: string,
    reason: string,
  ) {
    super(`refusing path "${requested}": ${reason}`);
    this.name = "UnsafePathError";
  }
}

/**
 * Join a task's directory and file into a normalised repository-relative POSIX path,
 * or throw UnsafePathError when it could leave the repository or touch git's internals.
 */
export function repoRelativePath(directory: string, file: string): string {
  const requested = directory ? `${directory.replace(/\/+$/, "")}/${file}` : file;
  if (requested.includes("\0")) throw new UnsafePathError(requested, "it contains a NUL byte");
  if (requested.includes("\\")) throw new UnsafePathError(requested, "use forward slashes, not backslashes");
  if (requested.startsWith("/") || /^[a-zA-Z]:/.test(requested) || requested.startsWith("~")) {
    throw new UnsafePathError(requested, "absolute paths are not allowed; give a path relative to the repository root");
  }
  const segments = requested.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw new UnsafePathError(requested, '".." would leave the repository');
  if (segments.some((s) => s.toLowerCase() === ".git")) {
    throw new UnsafePathError(requested, "git's own .git directory is off limits");
  }
  if (segments.length === 0) throw new UnsafePathError(requested, "the path names no file");
  return posix.join(...segments);
}
