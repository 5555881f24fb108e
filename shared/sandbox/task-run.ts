// How one task's file is tested, the same way by the worker and by the bot's re-test: inside the
// repository when the job carries a snapshot of it (the dependency results and the candidate laid
// over it), with the task's own tests plus the repository tests that import the file; alone with its
// dependency files otherwise (a job without a repository snapshot).
import { testsImporting } from "../python-imports.js";
import { overlay } from "../repository-snapshot.js";
import { sourceRoots } from "../source-roots.js";
import type { SourceFile, WorkItem } from "../schemas.js";
import type { SandboxRun } from "./sandbox.js";

/** The repository a job works in: its tracked text files at the base, and which of them are tests. */
export interface RepositoryView {
  files: SourceFile[];
  /** Test files among `files` (pytest's naming rule, or what test_command selects). */
  tests: string[];
  /**
   * Seconds a run that includes repository tests may take (test_timeout_seconds in .github/dellm.yml);
   * absent: the sandbox's own limit. A file's own tests alone keep the sandbox's limit.
   */
  testTimeoutSeconds?: number;
  /** The repository's derived image (its `setup` installed; see setup-image.ts): runs use it instead of the sandbox's. */
  image?: string;
  /**
   * The repository's `setup` (.github/dellm.yml), part of the snapshot: a swarm worker builds the same
   * derived image from it (a worker started with --no-setup is given no task of such a job).
   */
  setup?: RepositorySetup;
}

export interface RepositorySetup {
  commands: string[];
  /** Network during setup (setup_network: true); none otherwise. */
  network: boolean;
  /**
   * The binary (or over 1 MB) tracked files the commands read, e.g. a folder of wheels, base64: a
   * snapshot's `files` hold text only, and a swarm worker's setup needs these too.
   */
  binaries?: { path: string; base64: string }[];
}

/** A work item that may carry the repository (in-process workers get it; swarm workers from the grant's snapshot). */
export type WorkItemInRepository = WorkItem & { repository?: RepositoryView };

export function repositoryOf(item: WorkItem): RepositoryView | undefined {
  return (item as WorkItemInRepository).repository;
}

/** The repository tests that import `path` (directly or through other repository modules). */
export function repositoryTestsFor(path: string, repository: RepositoryView, extra: SourceFile[] = []): string[] {
  const files = new Map(overlay(repository.files, extra).map((f) => [f.path, f.content] as const));
  return testsImporting(
    repository.tests.filter((t) => t !== path),
    new Set([path]),
    files,
  );
}

/** The sandbox run for a candidate file: own tests first, then the repository tests that import it. */
export function taskSandboxRun(
  targetPath: string,
  code: string,
  dependencyFiles: SourceFile[],
  repository: RepositoryView | undefined,
): SandboxRun {
  const written = [...dependencyFiles.filter((f) => f.path !== targetPath), { path: targetPath, content: code }];
  if (!repository) return { files: written, testTargets: [targetPath] };
  const files = overlay(repository.files, written);
  const roots = sourceRoots(files);
  const repositoryTests = repositoryTestsFor(targetPath, repository, written);
  return {
    files,
    testTargets: [targetPath, ...repositoryTests],
    // The repository's tests get the time the repository asks for them.
    ...(repositoryTests.length && repository.testTimeoutSeconds
      ? { timeoutSeconds: repository.testTimeoutSeconds }
      : {}),
    // Only what the job wrote is scanned: the repository's own files are the owner's.
    checkPaths: written.map((f) => f.path),
    pytestArgs: ["--continue-on-collection-errors"],
    repositoryConftest: true,
    insideRepository: true,
    ...(roots.length ? { sourceRoots: roots } : {}),
    ...(repository.image ? { image: repository.image } : {}),
  };
}
