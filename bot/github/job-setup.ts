// A GitHub job's failed setup (.github/dellm.yml `setup`, built by bot/engine/job-setup.ts), told on
// the issue: the reason, what to fix, and the log; `/dellm retry` tries again.
import { SetupFailedError } from "../../shared/sandbox/setup-image.js";
import { fencedBlock } from "./markdown-text.js";

/** Log characters shown on the issue (the tail: where a failing command says why). */
const SHOWN_LOG_CHARS = 6_000;

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
