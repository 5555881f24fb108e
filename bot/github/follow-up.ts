// A follow-up job (`/dellm <instruction>` on an issue or its dellm PR): what the planner is told —
// the instruction, the issue, its discussion and what the PR changes so far — and the new tasks'
// ids, numbered after the job's earlier ones so that the PR table keeps a row per task.
import type { Task } from "../../shared/schemas.js";
import type { Checkout } from "./checkout.js";
import type { Octokit } from "./job-comment.js";
import type { GitHubJob } from "./job-store.js";
import { reviewCommentsText } from "./review-comments.js";

/** Comments of the discussion given to the planner (the latest), and characters of each and of the diff. */
const DISCUSSION_COMMENTS = 20;
const COMMENT_CHARS = 1_000;
const DIFF_CHARS = 8_000;

/** The planner's request for a follow-up: the instruction first, then what it refers to. */
export async function followUpQuery(
  job: GitHubJob,
  octokit: Octokit,
  checkout: Checkout,
  head: string,
  issue: string,
  log: (line: string) => void,
): Promise<string> {
  const { instruction, by, review_comments } = job.follow_up!;
  const discussion = await discussionOf(job, octokit).catch((error: Error) => {
    log(`[github] could not read the discussion of ${job.owner}/${job.repo}#${job.issue_number}: ${error.message}`);
    return "(the discussion could not be read)";
  });
  const diff = await checkout.git.raw(["diff", "--stat", "--patch", `${checkout.baseBranch}...${head}`, "--"]);
  const shownDiff = diff.length > DIFF_CHARS ? `${diff.slice(0, DIFF_CHARS)}\n…[the rest of the diff was cut]` : diff;
  return [
    `Follow-up request from @${by} on the pull request for issue #${job.issue_number} (branch ${job.branch}):`,
    instruction,
    ...(review_comments?.length ? ["", reviewCommentsText(review_comments)] : []),
    "",
    "Plan only the changes this request asks for. The pull request's files below are already on the branch; change them where the request needs it.",
    "",
    "The original issue:",
    issue,
    "",
    "The discussion so far (latest comments last):",
    discussion,
    "",
    "What the pull request changes so far:",
    shownDiff.trim() || "(nothing)",
  ].join("\n");
}

/** The issue's and the PR's comments by people (the bot's own progress comments left out), bounded. */
export async function discussionOf(job: GitHubJob, octokit: Octokit): Promise<string> {
  const numbers = [job.issue_number, ...(job.pr_number !== undefined ? [job.pr_number] : [])];
  const comments: { at: string; who: string; text: string }[] = [];
  for (const issue_number of numbers) {
    const { data } = await octokit.rest.issues.listComments({
      owner: job.owner,
      repo: job.repo,
      issue_number,
      per_page: 100,
    });
    for (const comment of data)
      if (comment.user?.type !== "Bot")
        comments.push({ at: comment.created_at, who: comment.user?.login ?? "someone", text: comment.body ?? "" });
  }
  const latest = comments.sort((a, b) => a.at.localeCompare(b.at)).slice(-DISCUSSION_COMMENTS);
  if (latest.length === 0) return "(no comments)";
  return latest
    .map(({ who, text }) => {
      const shown = text.length > COMMENT_CHARS ? `${text.slice(0, COMMENT_CHARS)}…` : text;
      return `- @${who}: ${shown.replace(/\n/g, "\n  ")}`;
    })
    .join("\n");
}

/** `planned` with ids (and their dependencies) moved past every id in `earlier`. */
export function renumberAfter(earlier: Task[], planned: Task[]): Task[] {
  const offset = Math.max(0, ...earlier.map((t) => t.id));
  return planned.map((t) => ({ ...t, id: t.id + offset, dependencies: t.dependencies.map((d) => d + offset) }));
}
