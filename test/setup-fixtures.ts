// A repository whose `setup` installs a tiny local package, offline: pip when the sandbox image has
// it, else a copy of the package folder into site-packages (the offline Debian fallback image has no
// pip). A test importing `tinypkg` passes only in the derived image; in the base image it is a
// missing dependency. The run id makes each test run's image new, so its first build really builds.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const TINYPKG_INSTALL = [
  "if python -m pip --version >/dev/null 2>&1; then",
  "  python -m pip install --no-index --no-build-isolation ./vendor/tinypkg",
  "else",
  `  cp -r vendor/tinypkg/tinypkg "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/"`,
  "fi",
].join("\n");

/** The vendored package (`VALUE = 42`, `double(x)`) and a requirements.txt naming the run. */
export function tinypkgFiles(runId: string): Record<string, string> {
  return {
    "requirements.txt": `# test run ${runId}\n`,
    "vendor/tinypkg/pyproject.toml":
      '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "tinypkg"\nversion = "1.0"\n',
    "vendor/tinypkg/tinypkg/__init__.py": "VALUE = 42\n\n\ndef double(x):\n    return 2 * x\n",
  };
}

/** A git repository (work tree) holding `files` in one commit on main. */
export async function committedRepository(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dellm-setup-repo-"));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "base");
  return dir;
}
