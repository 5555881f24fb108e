// `dellm run`'s repository settings: the repository's .github/dellm.yml at the job's start point, as
// the GitHub App reads it (its `setup`, built by the engine before planning so a setup that fails
// costs no model time, and what picks and times the repository's tests), and a failed setup said
// the way a terminal shows it.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parse as parseYaml } from "yaml";
import { SetupFailedError } from "../../shared/sandbox/setup-image.js";
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

/** The setup's failure as `dellm run` prints it: what failed, what to do, and the end of its log. */
export function localSetupFailure(error: SetupFailedError): SetupFailedError {
  const log = error.log.trim();
  const shown = log.length > SHOWN_LOG_CHARS ? `…${log.slice(-SHOWN_LOG_CHARS)}` : log;
  return new SetupFailedError(
    `the repository's setup (.github/dellm.yml) failed: ${error.message}; fix the commands and run again${shown ? `\n--- setup log ---\n${shown}` : ""}`,
    error.exitCode,
    error.log,
  );
}
