// The repository a job's tasks are tested in, made the same way by `dellm run` and the GitHub App:
// the tracked text files of the base commit, which of them are tests (pytest's naming rule, or
// what test_command selects), and the setup image with the setup itself (swarm workers rebuild
// it from the snapshot). Over the size limit there is none: each file is tested alone.
import { repositorySnapshot, SnapshotTooLargeError, trackedFileBytes } from "../../shared/repository-snapshot.js";
import { setupInputs } from "../../shared/sandbox/setup-image.js";
import type { RepositorySetup, RepositoryView } from "../../shared/sandbox/task-run.js";
import { parseTestCommand, planRepositoryTests } from "./repository-tests.js";

export interface RepositoryViewOptions {
  /** Default: the snapshot's own limit (20 MB). */
  limitBytes?: number;
  /** The repository's test_command (.github/dellm.yml), which picks its tests. */
  testCommand?: string;
  /** Its test_timeout_seconds: the limit of a run that includes repository tests. */
  testTimeoutSeconds?: number;
  /** The derived image the repository's setup built, and that setup. */
  setup?: { image: string; commands: RepositorySetup };
}

/** The view, or why there is none (the repository is over the limit; said to the user). */
export async function repositoryViewAt(
  repoDir: string,
  ref: string,
  options: RepositoryViewOptions = {},
): Promise<{ view: RepositoryView; tooLarge?: undefined } | { view?: undefined; tooLarge: string }> {
  let snapshot;
  try {
    snapshot = await repositorySnapshot(repoDir, ref, options.limitBytes);
  } catch (error) {
    if (error instanceof SnapshotTooLargeError) return { tooLarge: error.message };
    throw error;
  }
  const command = options.testCommand ? parseTestCommand(options.testCommand) : undefined;
  const tests =
    planRepositoryTests(
      snapshot.files.map((f) => f.path),
      command,
    )?.targets ?? [];
  const base = {
    files: snapshot.files,
    tests,
    ...(options.testTimeoutSeconds ? { testTimeoutSeconds: options.testTimeoutSeconds } : {}),
  };
  if (!options.setup) return { view: base };
  // The binaries the setup reads travel with it, so a swarm worker can build the same image.
  const { commands } = options.setup.commands;
  const binaries = setupInputs(
    commands,
    snapshot.leftOut
      .filter((f) => f.reason !== "symbolic link" && f.reason !== "submodule")
      .map((f) => ({ path: f.path, digest: "" })),
  ).map((f) => f.path);
  const bytes = binaries.length ? await trackedFileBytes(repoDir, snapshot.commit, binaries) : [];
  const setup: RepositorySetup = {
    ...options.setup.commands,
    ...(binaries.length
      ? { binaries: binaries.map((path, i) => ({ path, base64: bytes[i]!.toString("base64") })) }
      : {}),
  };
  return { view: { ...base, image: options.setup.image, setup } };
}
