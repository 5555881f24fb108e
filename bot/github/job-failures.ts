// A failed job, told on the issue in words a person can act on: what went wrong and what to do.
import Anthropic from "@anthropic-ai/sdk";
import { SettingsError } from "./app-settings.js";
import { PushRejectedError } from "./checkout.js";
import type { GitHubJob } from "./job-store.js";
import { PlanRejectedError } from "../pipeline/plan-validation.js";
import { ClaudeSetupError } from "../pipeline/claude-models.js";
import { SetupFailedError } from "../../shared/sandbox/setup-image.js";
import { explainSetupFailure } from "./job-setup.js";
import { rateLimited } from "./octokit-limits.js";
import { NoResultsError, NoTrustedResultsError } from "../engine/no-results.js";

/** What failed, in words a person on the issue can act on. */
export function explain(error: unknown, job: GitHubJob, joinHint: string | undefined): string {
  const retry = "then comment `/dellm retry`";
  if (error instanceof PlanRejectedError) {
    return `the planner's answers were not a usable plan (${error.problems.join("; ")}). Make the issue more specific (which files, what goes in and out), ${retry}.`;
  }
  if (error instanceof NoTrustedResultsError) {
    return `${error.message}. ${job.owner}/${job.repo} is a private repository, so its code and this issue go only to the workers the bot's operator trusts: the peer ids in DELLM_TRUSTED_WORKERS. To add one, start a worker on a machine you trust${joinHint ? ` (\`${joinHint}\`)` : ""}, put the peer id it prints after "joined the swarm as" into DELLM_TRUSTED_WORKERS in the bot's environment and restart the bot, ${retry} once it is running.`;
  }
  if (error instanceof NoResultsError) {
    // Volunteers choose whether to run a repository's setup, and whether to lend it their network.
    const setup = job.settings.setup?.length
      ? ` This repository has \`setup\` commands${job.settings.setup_network ? " that need the network" : ""}: only workers that run them take its tasks (not those started with \`--no-setup\`${job.settings.setup_network ? "; only those started with `--setup-network`" : ""}).`
      : "";
    const join = joinHint
      ? ` A worker joins with \`${joinHint}${job.settings.setup_network ? " --setup-network" : ""}\`;`
      : "";
    return `${error.message}. Are volunteer workers online?${setup}${join} ${retry} once one is running.`;
  }
  if (error instanceof PushRejectedError) {
    return `pushing branch \`${job.branch}\` was rejected (${error.message}). If the branch was changed or is protected, delete it or lift the protection, ${retry}; the results are kept.`;
  }
  if (error instanceof ClaudeSetupError) {
    return `${error.message}. Fix the bot's setting and restart it, ${retry}; the job is kept.`;
  }
  if (error instanceof Anthropic.AuthenticationError) {
    return `the Anthropic API refused the bot's key (${error.message}). Set a valid ANTHROPIC_API_KEY in the bot's environment, ${retry}.`;
  }
  if (error instanceof Anthropic.APIError) {
    return `the Anthropic API failed (${error.message}). ${retry[0]!.toUpperCase()}${retry.slice(1)} later.`;
  }
  const limit = rateLimited(error);
  if (limit) {
    // The retries waited already: the person needs the wait GitHub asked for, and that nothing is lost.
    const wait = limit.waitSeconds === undefined ? "a few minutes" : waitWords(limit.waitSeconds);
    const kept =
      job.stage === "pushing" && job.commit
        ? `branch \`${job.branch}\` is pushed and the results are kept`
        : "the results so far are kept";
    return `GitHub's ${limit.secondary ? "secondary rate limit" : "API rate limit for this app's installation"} refused the bot's requests, still after its retries (GitHub said: "${limit.message}"). Nothing is lost: ${kept}. Wait ${wait}, ${retry}; it goes on from there. If this keeps happening, the bot runs too many jobs at once for GitHub: its operator can lower DELLM_MAX_JOBS.`;
  }
  if (error instanceof SettingsError) return error.message;
  if (error instanceof SetupFailedError) return explainSetupFailure(error);
  return `${(error as Error).message ?? String(error)}. ${retry[0]!.toUpperCase()}${retry.slice(1)} to try again; the bot's log has the details.`;
}

/** A wait in words: "about 2 minutes", never under "a minute". */
function waitWords(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return minutes <= 1 ? "a minute" : `about ${minutes} minutes`;
}
