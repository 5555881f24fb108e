// The job records the GitHub App starts from: a new job for an issue, and a retry of the issue's
// latest job that keeps its passing work and re-runs only what failed or is missing.
import { newJobId } from "../../shared/schemas.js";
import type { FollowUpRequest, IssueRequest, RetryRequest } from "./jobs.js";
import type { GitHubJob } from "./job-store.js";

export function newIssueJob(request: IssueRequest): GitHubJob {
  const now = Date.now() / 1000;
  return {
    id: newJobId(),
    owner: request.owner,
    repo: request.repo,
    installation_id: request.installationId,
    issue_number: request.issueNumber,
    title: request.title,
    body: request.body,
    requested_by: request.requestedBy,
    ...(request.author ? { issue_author: request.author } : {}),
    settings: request.settings,
    ...(request.private ? { private: true } : {}),
    stage: "queued",
    tasks: [],
    results: [],
    branch: `dellm/issue-${request.issueNumber}`,
    files: [],
    notes: [],
    created_at: now,
    updated_at: now,
  };
}

/** The retry of `latest`, or why there is nothing to retry. */
export function retryJob(latest: GitHubJob, request: RetryRequest): GitHubJob | string {
  const failed = new Set(
    latest.tasks.map((t) => t.id).filter((id) => !latest.results.some((r) => r.task_id === id && r.test_passed)),
  );
  for (const file of latest.files) if (!file.passed) failed.add(file.task_id);
  if (failed.size === 0 && latest.stage === "done")
    return `nothing to retry: every task of job \`${latest.id}\` passed its tests (${latest.pr_url ?? latest.branch}).`;
  const planned = latest.tasks.length > 0;
  return {
    ...nextJobOf(latest, request),
    // A job that never got a plan is planned again; otherwise only the failed and missing tasks run.
    rerun: planned ? [...failed].sort((a, b) => a - b) : undefined,
    results: latest.results.filter((r) => !failed.has(r.task_id)),
    files: latest.files.filter((f) => !failed.has(f.task_id)),
    // Answered questions stay with the issue (the planner reads them again); an unanswered round is dropped.
    questions: latest.questions?.filter((round) => round.answer !== undefined),
    // Kept: a retry that adds no commit (the PR was all that was missing, say GitHub's rate limit
    // stopped it) opens the PR for the branch as tested, a draft if it regressed; a new commit is tested afresh.
    repository_tests: latest.repository_tests,
  } satisfies GitHubJob;
}

/**
 * A follow-up of `latest` (`/dellm <instruction>`): the job's tasks, results and PR rows are kept;
 * planning adds the instruction's tasks, which alone run and land as one more commit on the branch.
 */
export function followUpJob(latest: GitHubJob, request: FollowUpRequest): GitHubJob | string {
  if (latest.pr_number === undefined)
    return `job \`${latest.id}\` has no pull request to change yet; comment \`/dellm retry\` to finish it first, then ask again.`;
  return {
    ...nextJobOf(latest, request),
    follow_up: {
      instruction: request.instruction,
      by: request.requestedBy,
      ...(request.reviewComments?.length ? { review_comments: request.reviewComments } : {}),
    },
    // Set by planning: the instruction's tasks.
    rerun: undefined,
    // The new commit is tested afresh.
    repository_tests: undefined,
  } satisfies GitHubJob;
}

/**
 * A new job on `latest`'s issue, branch and PR, queued for `request`'s author, with nothing of the
 * earlier run's progress (a follow-up's instruction stays: a retry of it plans against the branch too).
 */
function nextJobOf(
  latest: GitHubJob,
  request: Pick<RetryRequest, "installationId" | "requestedBy" | "settings" | "private">,
): GitHubJob {
  const now = Date.now() / 1000;
  return {
    ...latest,
    id: newJobId(),
    retry_of: latest.id,
    installation_id: request.installationId,
    requested_by: request.requestedBy,
    settings: request.settings,
    // A job that was private stays private.
    private: request.private || latest.private || undefined,
    stage: "queued",
    failed_in: undefined,
    error: undefined,
    stopped_by: undefined,
    comment_id: undefined,
    // Its own check run: the earlier job's is concluded on the commit it checked.
    check_run: undefined,
    commit: undefined,
    summary: undefined,
    notes: [],
    repair_rounds: undefined,
    repairing: undefined,
    created_at: now,
    updated_at: now,
  };
}
