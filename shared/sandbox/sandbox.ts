// Where generated code is tested. Implementation: DockerSandbox (dockerode, locked-down container).
import type { SourceFile, TestResult } from "../schemas.js";

export interface SandboxRun {
  /** All files to place under /code, paths relative to the repository root. */
  files: SourceFile[];
  /** The files whose tests are run (pytest gets exactly these), relative paths. */
  testTargets: string[];
  /**
   * The .py files syntax-checked and scanned for tampering (default: every .py file). A repository
   * run scans only what the job wrote: the repository's own files are the owner's, not a volunteer's.
   */
  checkPaths?: string[];
  /** Extra pytest selection options (-k/-m) placed before the targets. */
  pytestArgs?: string[];
  /**
   * Load the repository's conftest.py files (its fixtures): set only for runs inside the owner's
   * repository. A conftest.py the job wrote is never loaded (plan validation refuses the name, and
   * the sandbox drops this flag when one is among `checkPaths`).
   */
  repositoryConftest?: boolean;
  /**
   * The files are the repository's (with the job's laid over): a failure importing a module none of
   * them provides is then a missing dependency (verdict "missing_dependency"), not the code's fault.
   * Runs of files alone cannot tell a repository module from a package, and stay "failed".
   */
  insideRepository?: boolean;
  /**
   * Folders (relative to the repository root) the tests import top-level modules from besides the
   * root: `src/` in the src layout, or what the repository's pytest `pythonpath` names (source-roots.ts).
   */
  sourceRoots?: string[];
  /** Override of the configured timeout, in seconds. */
  timeoutSeconds?: number;
  /**
   * The image to run in instead of the sandbox's own: a repository's derived image (its `setup`
   * installed, see setup-image.ts). The run's locked-down flags are the same whatever the image.
   */
  image?: string;
}

export interface Sandbox {
  /**
   * Check syntax, scan for verdict tampering, then run pytest on the targets; the verdict comes from
   * pytest's structured report, never from its console text. Never throws for bad code, only for a
   * broken sandbox.
   */
  run(run: SandboxRun): Promise<TestResult>;
}
