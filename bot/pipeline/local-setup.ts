// `dellm run`'s repository settings: the repository's .github/dellm.yml at the job's start point (as
// the GitHub App reads it) — its `setup`, built into a derived image (or reused) before planning so
// a setup that fails costs no model time, and what picks and times the repository's tests. Without
// the file, or without `setup`, the tests run in the sandbox image as before.
import { execFile } from "node:child_process";
import { realpath } from "node:fs/promises";
import { promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import { SetupFailedError, type SetupImage, type SetupImages } from "../../shared/sandbox/setup-image.js";
import { repositorySetupSource } from "../../shared/sandbox/setup-source.js";
import type { RepositorySetup } from "../../shared/sandbox/task-run.js";
import { parseSettings, type AppSettings } from "../github/app-settings.js";

const run = promisify(execFile);
const SHOWN_LOG_CHARS = 4_000;

/** The repository's .github/dellm.yml at `startPoint`, checked; undefined when it has none. */
export async function repositorySettingsAt(repoPath: string, startPoint: string): Promise<AppSettings | undefined> {
  const text = await run("git", ["show", `${startPoint}:.github/dellm.yml`], { cwd: repoPath }).then(
    (r) => r.stdout,
    () => undefined, // no such file: no setup
  );
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new Error(`.github/dellm.yml is not valid YAML (${(error as Error).message}); fix the file and run again`, {
      cause: error,
    });
  }
  return parseSettings(raw);
}

/** The derived image for the repository's setup and the setup itself, or undefined when it has none. */
export async function localSetupImage(
  repoPath: string,
  startPoint: string,
  settings: AppSettings,
  setups: SetupImages,
): Promise<{ image: SetupImage; commands: RepositorySetup } | undefined> {
  if (settings.setup.length === 0) return undefined;
  try {
    const source = await repositorySetupSource(repoPath, startPoint, settings.snapshot_limit_mb * 2 ** 20);
    const commands = { commands: settings.setup, network: settings.setup_network };
    // A local repository is who its folder is: no other folder's image is reused.
    const repository = `local:${await realpath(repoPath)}`;
    return { image: await setups.ensure({ ...commands, repository, source }), commands };
  } catch (error) {
    if (!(error instanceof SetupFailedError)) throw error;
    const log = error.log.trim();
    const shown = log.length > SHOWN_LOG_CHARS ? `…${log.slice(-SHOWN_LOG_CHARS)}` : log;
    throw new SetupFailedError(
      `the repository's setup (.github/dellm.yml) failed: ${error.message}; fix the commands and run again${shown ? `\n--- setup log ---\n${shown}` : ""}`,
      error.exitCode,
      error.log,
    );
  }
}
