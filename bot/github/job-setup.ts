// A GitHub job's environment: when .github/dellm.yml has `setup`, the derived image is built (or
// reused) from the base commit before any task goes out, and every test of the job runs in it (the
// bot's in-process workers, its re-test, the repository's own tests). A setup that fails stops the
// job before distributing; the issue gets the log and what to fix, and `/dellm retry` tries again.
import { SetupFailedError, type SetupImage, type SetupImages } from "../../shared/sandbox/setup-image.js";
import { repositorySetupSource } from "../../shared/sandbox/setup-source.js";
import type { AppSettings } from "./app-settings.js";
import { fencedBlock } from "./markdown-text.js";

/** Log characters shown on the issue (the tail: where a failing command says why). */
const SHOWN_LOG_CHARS = 6_000;

/** The derived image for the job's base commit, or undefined when the repository has no setup. */
export async function jobSetupImage(
  settings: AppSettings,
  /** The repository's identity (`github.com/owner/name`): no other repository's image is reused. */
  repository: string,
  repoDir: string,
  baseRef: string,
  setups: SetupImages,
  /**
   * The bot's operator lets setup commands reach the network (DELLM_SETUP_NETWORK, default true); it
   * is lent only where setup-network.ts can fence it, else the setup is refused with the reason.
   */
  networkAllowed = true,
): Promise<SetupImage | undefined> {
  if (settings.setup.length === 0) return undefined;
  if (settings.setup_network && !networkAllowed)
    throw new SetupFailedError(
      "this bot's operator does not let setup commands reach the network (DELLM_SETUP_NETWORK=false); install from files in the repository instead (pip install --no-index --find-links wheels -r requirements.txt) and set setup_network: false",
      null,
      "",
    );
  const source = await repositorySetupSource(repoDir, baseRef, settings.snapshot_limit_mb * 2 ** 20);
  return setups.ensure({ repository, commands: settings.setup, network: settings.setup_network, source });
}

/** The PR's note on where the tests ran. */
export function setupNote(image: SetupImage, settings: AppSettings): string {
  return `The tests ran in \`${image.image.slice(0, 25)}…\`, the image the repository's \`setup\` (${settings.setup.length} command(s)${settings.setup_network ? ", with network" : ", offline"}) ${image.built ? "built for this job" : "had built before (reused)"}.`;
}

/** One line for the job's error (the progress comment shows it inline). */
export function explainSetupFailure(error: SetupFailedError): string {
  return `the repository's \`setup\` in .github/dellm.yml failed: ${error.message}. No task was handed out. Fix the commands (they run as uid 1000 in /code, a copy of the base branch, with network only when setup_network: true), then comment \`/dellm retry\``;
}

/** The setup's log for the failure comment (a fenced block; its text cannot break out), or undefined for other errors. */
export function setupFailureDetails(error: unknown): string | undefined {
  if (!(error instanceof SetupFailedError) || !error.log.trim()) return undefined;
  const log = error.log.trim();
  const shown = log.length > SHOWN_LOG_CHARS ? `…${log.slice(-SHOWN_LOG_CHARS)}` : log;
  return `The setup's log${log.length > SHOWN_LOG_CHARS ? ` (last ${SHOWN_LOG_CHARS} characters)` : ""}:\n\n${fencedBlock(shown)}`;
}
