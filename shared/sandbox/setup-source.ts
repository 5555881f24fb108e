// The repository a setup runs in, read from git (never from the work tree): every tracked file of
// one commit, binaries included (a folder of wheels for an offline `pip install --find-links`),
// named by path and blob id for the derived image's hash, and as a tar archive for /code.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { SetupFailedError, type SetupFile, type SetupSource } from "./setup-image.js";

const run = promisify(execFile);

/** The tracked files of `ref` in `repoDir`; refused (SetupFailedError) when they pass `limitBytes`. */
export async function repositorySetupSource(repoDir: string, ref: string, limitBytes: number): Promise<SetupSource> {
  const git = (args: string[], maxBuffer: number) =>
    run("git", args, { cwd: repoDir, maxBuffer, encoding: "buffer" }).then((r) => r.stdout);
  const commit = (await git(["rev-parse", "--verify", `${ref}^{commit}`], 1024)).toString().trim();
  const listing = (await git(["ls-tree", "-r", "-z", "-l", commit], 256 * 1024 * 1024)).toString("utf8");
  const files: SetupFile[] = [];
  let total = 0;
  for (const entry of listing.split("\0").filter(Boolean)) {
    const tab = entry.indexOf("\t");
    const [, type, oid, size] = entry.slice(0, tab).split(/\s+/);
    if (type !== "blob") continue; // submodules are not in git archive either
    files.push({ path: entry.slice(tab + 1), digest: oid! });
    total += Number(size) || 0;
  }
  if (total > limitBytes)
    throw new SetupFailedError(
      `the repository's tracked files take ${(total / 2 ** 20).toFixed(1)} MB, over the ${(limitBytes / 2 ** 20).toFixed(1)} MB copied into the setup container; raise snapshot_limit_mb in .github/dellm.yml`,
      null,
      "",
    );
  return {
    files,
    // tar headers and padding add a little per file on top of the contents.
    archive: () => git(["archive", "--format=tar", commit], total + files.length * 2_048 + 1024 * 1024),
  };
}
