// Before a follow-up lands a commit on a dellm pull request's branch (issue 24): is there still an
// open pull request and a branch to land it on? A merged or closed pull request, or a deleted branch,
// is answered with one line saying what to do instead, and nothing is started. A question GitHub
// does not answer (a network error, an API the installation cannot read) does not stop the
// follow-up: the publication checks the branch again before it moves it.
import type { Octokit } from "./job-comment.js";

/** How the note starts that a follow-up's pull request was merged or closed while it ran. */
export const CLOSED_MEANWHILE = "While this job ran, pull request";

export interface PullRequestPlace {
  owner: string;
  repo: string;
  pr_number: number;
  branch: string;
  issue_number: number;
}

/** Whether the pull request was merged or closed, or undefined when it is open (or GitHub did not say). */
export async function pullRequestEnded(
  octokit: Octokit,
  place: Pick<PullRequestPlace, "owner" | "repo" | "pr_number">,
  log: (line: string) => void,
): Promise<"merged" | "closed" | undefined> {
  const { owner, repo, pr_number } = place;
  try {
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: pr_number });
    return pull.merged ? "merged" : pull.state === "closed" ? "closed" : undefined;
  } catch (error) {
    log(`[github] could not read pull request #${pr_number} of ${owner}/${repo}: ${(error as Error).message}`);
    return undefined;
  }
}

/** Why a follow-up cannot land on this pull request now, or undefined when it can (or GitHub did not say). */
export async function followUpProblem(
  octokit: Octokit,
  place: PullRequestPlace,
  label: string,
  log: (line: string) => void,
): Promise<string | undefined> {
  const { owner, repo, pr_number, branch, issue_number } = place;
  const again = `add the \`${label}\` label to #${issue_number} again for a new pull request`;
  const ended = await pullRequestEnded(octokit, place, log);
  if (ended === "merged")
    return `pull request #${pr_number} was merged, so a follow-up would land on a branch nobody reviews; ${again}.`;
  if (ended === "closed") return `pull request #${pr_number} is closed; reopen it and ask again, or ${again}.`;
  try {
    await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
  } catch (error) {
    if ((error as { status?: number }).status === 404)
      return `the branch ${branch} of pull request #${pr_number} was deleted; restore it on the pull request and ask again, or ${again}.`;
    log(`[github] could not read the branch ${branch} of ${owner}/${repo}: ${(error as Error).message}`);
  }
  return undefined;
}
