// Every temporary folder the tests make (mkdtemp under os.tmpdir(): repositories, job stores,
// sandboxes) goes into one folder per run, removed when the run ends, so runs leave /tmp as they
// found it. Workers and the processes tests start inherit TMPDIR.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "dellm-tests-"));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
