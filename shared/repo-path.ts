// Every path an LLM or a volunteer names is checked here before anything touches the disk.
import { posix } from "node:path";
import { firstUnprintable, showUntrusted } from "./display.js";

/** Most file systems (ext4, APFS, NTFS) refuse a longer file or folder name. */
const MAX_COMPONENT_BYTES = 255;

export class UnsafePathError extends Error {
  constructor(
    readonly requested: string,
    reason: string,
  ) {
    super(`refusing path "${showUntrusted(requested)}": ${reason}`);
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
  const unprintable = firstUnprintable(requested);
  if (unprintable) {
    throw new UnsafePathError(
      requested,
      `it contains the invisible or control character ${unprintable}; use only printable characters in file and folder names`,
    );
  }
  if (requested.includes("\\")) throw new UnsafePathError(requested, "use forward slashes, not backslashes");
  if (requested.startsWith("/") || /^[a-zA-Z]:/.test(requested) || requested.startsWith("~")) {
    throw new UnsafePathError(requested, "absolute paths are not allowed; give a path relative to the repository root");
  }
  const segments = requested.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw new UnsafePathError(requested, '".." would leave the repository');
  const dotsOnly = segments.find((s) => /^[. ]+$/.test(s.normalize("NFKC")));
  if (dotsOnly !== undefined) {
    throw new UnsafePathError(
      requested,
      `"${dotsOnly}" is made only of dots and spaces, which Windows and some tools read as "." or ".."; choose a name with letters`,
    );
  }
  const gitLike = segments.find(spellsGit);
  if (gitLike !== undefined) {
    throw new UnsafePathError(
      requested,
      `"${gitLike}" names git's own .git directory on some file system; git's internals are off limits, choose another folder name`,
    );
  }
  const long = segments.find((s) => Buffer.byteLength(s, "utf8") > MAX_COMPONENT_BYTES);
  if (long !== undefined) {
    throw new UnsafePathError(
      requested,
      `the name "${[...long].slice(0, 40).join("")}…" is ${Buffer.byteLength(long, "utf8")} bytes long; file systems allow at most ${MAX_COMPONENT_BYTES}, choose a shorter name`,
    );
  }
  if (segments.length === 0) throw new UnsafePathError(requested, "the path names no file");
  // git, pytest and python read an argument starting with "-" as an option (git add
  // --pathspec-from-file=/etc/... read a host file): no name the bot passes on may start so.
  if (segments[0]!.startsWith("-")) {
    throw new UnsafePathError(
      requested,
      `"${segments[0]}" starts with "-", which commands read as an option; choose a name that starts with a letter, digit or underscore`,
    );
  }
  return posix.join(...segments);
}

/**
 * A name some checkout would open as .git: any case (macOS, Windows), trailing dots or spaces and
 * NTFS stream suffixes (Windows drops them), compatibility forms such as fullwidth letters (NFKC,
 * which some file systems and tools apply), and the 8.3 short name GIT~1 (Windows).
 */
function spellsGit(segment: string): boolean {
  const folded = segment.normalize("NFKC").toLowerCase();
  return folded.replace(/[. ]+$/, "") === ".git" || folded.startsWith(".git::") || /^git~\d+$/.test(folded);
}
