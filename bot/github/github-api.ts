// The GitHub REST calls a job makes, in one place (the job class decides when, this module how).
// The progress comment's own create/edit calls live with its throttle in job-comment.ts, the check
// run's in live-check-run.ts.
import type { GitHubJob } from "./job-store.js";
import type { Octokit } from "./job-comment.js";

type JobOnGitHub = Pick<GitHubJob, "id" | "owner" | "repo" | "issue_number">;

/** The installation token for git over HTTPS (never stored; used in each command's URL). */
export async function installationToken(octokit: Octokit): Promise<string> {
  const auth = (await octokit.auth({ type: "installation" })) as { token?: string };
  if (!auth.token) throw new Error("GitHub gave no installation token");
  return auth.token;
}

export async function commentOnIssue(octokit: Octokit, job: JobOnGitHub, body: string): Promise<void> {
  await octokit.rest.issues.createComment({ owner: job.owner, repo: job.repo, issue_number: job.issue_number, body });
}

/**
 * Update the job's pull request, or open it. The bot may have stopped between opening it and
 * saving its number, so an open PR from the job's branch is looked up first: never a second one.
 */
export async function openOrUpdatePullRequest(
  octokit: Octokit,
  job: JobOnGitHub & Pick<GitHubJob, "title" | "branch" | "base_branch" | "pr_number" | "pr_url">,
  body: string,
  options: { draft?: boolean } = {},
): Promise<{ pr_number: number; pr_url: string | undefined }> {
  const where = { owner: job.owner, repo: job.repo };
  const pr =
    job.pr_number === undefined
      ? await openPullRequest(octokit, job)
      : { pr_number: job.pr_number, pr_url: job.pr_url };
  if (pr) return updatePullRequest(octokit, job, pr, body, options.draft ?? false);
  try {
    const { data } = await octokit.rest.pulls.create({
      ...where,
      title: `dellm: ${job.title}`.slice(0, 250),
      head: job.branch,
      base: job.base_branch!,
      body,
      maintainer_can_modify: true,
      // Draft: the repository's own tests regressed, it is not ready to merge.
      ...(options.draft ? { draft: true } : {}),
    });
    return { pr_number: data.number, pr_url: data.html_url };
  } catch (error) {
    // A create that GitHub answered with a 5xx may have opened it all the same; Octokit's retry then
    // hears "already exists". That one is updated: never a second PR, never a failed job.
    const opened =
      (error as { status?: number }).status === 422 && /pull request already exists/i.test((error as Error).message)
        ? await openPullRequest(octokit, job)
        : undefined;
    if (!opened) throw error;
    return updatePullRequest(octokit, job, opened, body, options.draft ?? false);
  }
}

type PullRequestRef = { pr_number: number; pr_url: string | undefined };

/** The open pull request from the job's branch, if there is one. */
async function openPullRequest(
  octokit: Octokit,
  job: JobOnGitHub & Pick<GitHubJob, "branch">,
): Promise<PullRequestRef | undefined> {
  const { data: open } = await octokit.rest.pulls.list({
    owner: job.owner,
    repo: job.repo,
    head: `${job.owner}:${job.branch}`,
    state: "open",
  });
  return open[0] ? { pr_number: open[0].number, pr_url: open[0].html_url } : undefined;
}

async function updatePullRequest(
  octokit: Octokit,
  job: JobOnGitHub,
  pr: PullRequestRef,
  body: string,
  draft: boolean,
): Promise<PullRequestRef> {
  const { data } = await octokit.rest.pulls.update({
    owner: job.owner,
    repo: job.repo,
    pull_number: pr.pr_number,
    body,
  });
  // REST cannot change whether an open PR is a draft; GraphQL can: a retry that now breaks the
  // repository's tests makes it a draft, one that fixed them makes it ready for review again.
  if (data.node_id && data.draft !== undefined && data.draft !== draft)
    await octokit.graphql(
      draft
        ? "mutation($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { clientMutationId } }"
        : "mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { clientMutationId } }",
      { id: data.node_id },
    );
  return pr;
}
