// The scripts that fix a volunteer's machine (scripts/start-docker.sh, scripts/build-sandbox-image.sh)
// ship in the npm package; the doctor names them by a path that works from where it was started: a
// checkout's relative path, or the installed package's absolute one.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding dellm-swarm's package.json: this file lives 2 (source) or 3 (dist/) levels below. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let folder = from;
  for (let depth = 0; depth < 6; depth++) {
    const manifest = join(folder, "package.json");
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "dellm-swarm") return folder;
      } catch {
        // not ours; keep looking
      }
    }
    folder = dirname(folder);
  }
  return process.cwd();
}

/** "scripts/build-sandbox-image.sh" in a checkout, "/usr/lib/node_modules/dellm-swarm/scripts/…" when installed. */
export function scriptCommand(name: string, cwd: string = process.cwd()): string {
  const absolute = join(packageRoot(), "scripts", name);
  const fromHere = relative(cwd, absolute);
  return fromHere.startsWith(`..${sep}`) || fromHere === ".." ? absolute : fromHere;
}
