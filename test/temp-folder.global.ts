// Every temporary folder the tests make (mkdtemp under os.tmpdir(): repositories, job stores,
// sandboxes) goes into one folder per run, removed when the run ends, so runs leave /tmp as they
// found it. Workers and the processes tests start inherit TMPDIR (and XDG_CACHE_HOME, under it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "dellm-tests-"));
  process.env.TMPDIR = root;
  // Worker processes keep repository snapshots under XDG_CACHE_HOME: in the run's folder, not the home cache.
  process.env.XDG_CACHE_HOME = join(root, "cache");
  return () => rmSync(root, { recursive: true, force: true });
}
