// A real bare repository standing in for the GitHub remote, seeded with a first commit on main.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { simpleGit } from "simple-git";

/** `name` is the bare repository's folder in `dir`. */
export async function bareRepository(dir: string, files: Record<string, string>, name = "remote.git"): Promise<string> {
  const bare = join(dir, name);
  execFileSync("git", ["init", "--quiet", "--bare", "-b", "main", bare]);
  const seed = join(dir, "seed");
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(seed, path)), { recursive: true });
    await writeFile(join(seed, path), content);
  }
  const git = simpleGit(seed, { config: ["user.name=Octo", "user.email=octo@example.com"] });
  await git.init(["-b", "main"]).add(".").commit("first");
  await git.push(bare, "main");
  return bare;
}
