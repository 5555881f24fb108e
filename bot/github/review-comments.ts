// A follow-up asked for in a review (review-webhooks.ts): its `/dellm` comments as the planner reads
// them, a task for every commented file (the planner may leave one out; a comment is never dropped),
// and once the job ends, a reply in each comment's thread: the commit that changed its file, or why not.
import { joinTaskPath } from "../../shared/prompts.js";
import { LIMITS, type Task } from "../../shared/schemas.js";
import type { Octokit } from "./job-comment.js";
import type { GitHubJob, ReviewCommentRecord } from "./job-store.js";
import { markdownInline } from "./markdown-text.js";

/** The planner's view of all comments together, in characters: a long review shares it. */
const PLANNER_CHARS = 12_000;

/** "app/core.py:3-5": the commented file and lines (the file alone for a comment on the whole file). */
export function commentPlace(comment: ReviewCommentRecord): string {
  const { line, start_line } = comment;
  const lines =
    line === undefined ? "" : start_line !== undefined && start_line < line ? `:${start_line}-${line}` : `:${line}`;
  // LEFT: the lines as they were before the pull request (removed or changed by it).
  return `${comment.path}${lines}${comment.side === "LEFT" ? " (before the pull request's change)" : ""}`;
}

/** The planner's "Review comments:" section: each place and what it asks. */
export function reviewCommentsText(comments: ReviewCommentRecord[]): string {
  const each = Math.max(500, Math.floor(PLANNER_CHARS / Math.max(1, comments.length)));
  return [
    "Review comments (each on a file of the pull request; the task that writes that file must do what its comments ask):",
    ...comments.map((c) => `- ${commentPlace(c)}: ${cut(c.body, each).replace(/\n/g, "\n  ")}`),
  ].join("\n");
}

/**
 * `planned` with every commented file written by a task: its comments join the context of the task
 * that writes it, and a file the planner left out gets a task of its own, described by its comments.
 */
export function withCommentedFiles(planned: Task[], comments: ReviewCommentRecord[] = []): Task[] {
  const byPath = new Map<string, ReviewCommentRecord[]>();
  for (const comment of comments) byPath.set(comment.path, [...(byPath.get(comment.path) ?? []), comment]);
  const context = (task: Pick<Task, "context">, mine: ReviewCommentRecord[]) =>
    cut(
      [task.context, ...mine.map((c) => `review comment on ${commentPlace(c)}: ${c.body}`)].filter(Boolean).join("\n"),
      LIMITS.contextChars,
    );
  const tasks = planned.map((task) => {
    const mine = byPath.get(joinTaskPath(task));
    return mine ? { ...task, context: context(task, mine) } : task;
  });
  let id = Math.max(0, ...planned.map((t) => t.id));
  for (const [path, mine] of byPath) {
    if (tasks.some((t) => joinTaskPath(t) === path)) continue;
    const slash = path.lastIndexOf("/");
    tasks.push({
      id: ++id,
      description: cut(mine.map((c) => c.body).join("\n"), LIMITS.descriptionChars),
      file: path.slice(slash + 1),
      directory: path.slice(0, slash + 1),
      dependencies: [],
      input_output_spec: "",
      context: context({ context: "" }, mine),
    });
  }
  return tasks;
}

/**
 * Each comment's reply when the job ended: "done in <commit>" when the commit changed its file and
 * the file passed, otherwise what failed. Only the comments whose file this job ran (a retry of the
 * follow-up answers again only for what it re-ran); all of them when the job failed before planning.
 */
export function reviewReplies(job: GitHubJob): { comment: ReviewCommentRecord; body: string }[] {
  const comments = job.follow_up?.review_comments ?? [];
  const ran = job.rerun ? new Set(job.rerun) : undefined;
  const paths = ran && new Set(job.tasks.filter((t) => ran.has(t.id)).map(joinTaskPath));
  return comments
    .filter((c) => !paths || paths.has(c.path))
    .map((comment) => ({ comment, body: replyFor(job, comment, ran) }));
}

function replyFor(job: GitHubJob, comment: ReviewCommentRecord, ran: Set<number> | undefined): string {
  if (job.stage === "failed")
    return `Not changed: dellm job \`${job.id}\` failed while ${job.failed_in ?? "running"} (${markdownInline(job.error ?? "no reason given")}).`;
  const row = job.files.find((f) => f.path === comment.path && (!ran || ran.has(f.task_id)));
  if (!row) return `Not changed: no task of job \`${job.id}\` wrote this file.`;
  if (row.change === "not written")
    return `Not changed: ${markdownInline(row.reason ?? "the file could not be written")}. Comment \`/dellm retry\` on the pull request to run it again.`;
  if (row.passed) return `done in ${job.commit}`;
  const why =
    row.verdict === "missing_dependency"
      ? "a dependency is missing (add it to setup in .github/dellm.yml)"
      : row.verdict && row.verdict !== "failed"
        ? row.verdict.replace(/_/g, " ")
        : "its tests failed";
  return `Changed in ${job.commit}, but it did not pass: ${why}. The pull request's table has the log; comment \`/dellm retry\` on the pull request to run it again.`;
}

/** Replies in each comment's thread; one GitHub refuses is logged, the job stands. */
export async function replyToReviewComments(
  octokit: Octokit,
  job: GitHubJob,
  log: (line: string) => void,
): Promise<void> {
  if (job.pr_number === undefined) return;
  for (const { comment, body } of reviewReplies(job))
    await octokit.rest.pulls
      .createReplyForReviewComment({
        owner: job.owner,
        repo: job.repo,
        pull_number: job.pr_number,
        // GitHub threads are one level deep: a reply to a reply goes to the thread's first comment.
        comment_id: comment.in_reply_to ?? comment.id,
        body,
      })
      .catch((error: Error) =>
        log(`[github] could not reply to review comment ${comment.id} of job ${job.id}: ${error.message}`),
      );
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
