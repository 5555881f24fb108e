// `/dellm` in a review of a pull request dellm opened: a submitted review, or a review comment, from a
// writer becomes one follow-up job, planned from the review's `/dellm` comments (each on its file and
// lines). Every comment that is not taken is answered in its thread with why; a review of anyone
// else's pull request is left alone. GitHub sends `pull_request_review.submitted` and
// `pull_request_review_comment.created` for the same review (even a single comment or a reply is a
// review of its own), so the review is handled by whichever arrives first, and it reads the whole
// review: no comment of it is lost, and none is answered twice.
import type { Context, Probot } from "probot";
import { z } from "zod";
import { refusedBySettings, type AppSettings } from "./app-settings.js";
import type { Octokit } from "./job-comment.js";
import { MAX_INSTRUCTION_CHARS, MAX_REVIEW_COMMENTS, type ReviewCommentRecord } from "./job-store.js";
import type { JobStarter } from "./jobs.js";
import type { Once } from "./webhooks.js";
import { codeSpanCell } from "./markdown-text.js";
import { checked, commandText, Common, mayRun, repositorySettings } from "./webhook-checks.js";

// A review comment as both the webhook and pulls.listCommentsForReview give it (the fields used).
const ReviewCommentSchema = z.object({
  id: z.number().int().positive(),
  body: z.string(),
  path: z.string().min(1),
  // null on a comment on the whole file, or on lines the pull request no longer has.
  line: z.number().int().positive().nullish(),
  start_line: z.number().int().positive().nullish(),
  side: z.enum(["LEFT", "RIGHT"]).nullish(),
  in_reply_to_id: z.number().int().positive().optional(),
  pull_request_review_id: z.number().int().positive().nullish(),
});
type ReviewComment = z.infer<typeof ReviewCommentSchema>;

const PullRequest = z.object({ number: z.number().int().positive() });
const ReviewSchema = z.object({
  review: z.object({ id: z.number().int().positive(), body: z.string().nullable() }),
  pull_request: PullRequest,
  ...Common,
});
const ReviewCommentEventSchema = z.object({ comment: ReviewCommentSchema, pull_request: PullRequest, ...Common });
type ReviewPayload = z.infer<typeof ReviewCommentEventSchema> | z.infer<typeof ReviewSchema>;

/** What the follow-up is told when the review itself says nothing more than its comments. */
export const REVIEW_INSTRUCTION = "Change the commented files as the review comments ask.";
/** Words that are `/dellm` commands elsewhere, not instructions about the lines commented. */
const NOT_INSTRUCTIONS = new Set(["help", "retry", "stop"]);
/** Reviews remembered as handled; both events of one review arrive within moments. */
const CLAIMS_KEPT = 1_000;

/** Either a review (its body and comments are read from GitHub), or a comment that belongs to none. */
type Source = { review: number; body?: string } | { comment: ReviewComment };

export function onReviews(app: Probot, jobs: JobStarter, once: Once): void {
  const claims = new ReviewClaims();

  app.on(
    "pull_request_review.submitted",
    once(async (context) => {
      const payload = checked(context, ReviewSchema);
      // Bots (dellm included, replying in threads) never command dellm.
      if (!payload || payload.sender.type === "Bot") return;
      await handle(context as Context, payload, {
        review: payload.review.id,
        body: payload.review.body ?? "",
      });
    }),
  );

  app.on(
    "pull_request_review_comment.created",
    once(async (context) => {
      const payload = checked(context, ReviewCommentEventSchema);
      // Only a `/dellm` comment is worth a look here: the review's own event covers the rest.
      if (!payload || payload.sender.type === "Bot" || commandText(payload.comment.body) === undefined) return;
      const review = payload.comment.pull_request_review_id;
      await handle(context as Context, payload, review ? { review } : { comment: payload.comment });
    }),
  );

  async function handle(context: Context, payload: ReviewPayload, source: Source): Promise<void> {
    const where = { owner: payload.repository.owner.login, repo: payload.repository.name };
    const pull = payload.pull_request.number;
    // Someone else's pull request is none of dellm's business: not a word there.
    if (!(await jobs.openedPullRequest(where.owner, where.repo, pull))) return;
    if ("review" in source && !claims.claim(source.review)) return;
    try {
      const octokit = context.octokit as Octokit;
      const { body, comments } =
        "review" in source ? await readReview(octokit, where, pull, source) : { body: "", comments: [source.comment] };
      await answer(context, octokit, payload, body, comments);
    } catch (error) {
      // Unhandled: the other event of this review may still handle it.
      if ("review" in source) claims.release(source.review);
      throw error;
    }
  }

  async function answer(
    context: Context,
    octokit: Octokit,
    payload: ReviewPayload,
    body: string,
    comments: ReviewComment[],
  ): Promise<void> {
    const { sender, repository } = payload;
    const where = { owner: repository.owner.login, repo: repository.name };
    const pull = payload.pull_request.number;
    const asked = comments.filter((c) => commandText(c.body) !== undefined);
    const general = commandText(body);
    if (asked.length === 0 && general === undefined) return;
    // GitHub threads are one level deep: a reply to a reply goes to the thread's first comment.
    const reply = async (comment: ReviewComment, text: string) => {
      await octokit.rest.pulls.createReplyForReviewComment({
        ...where,
        pull_number: pull,
        comment_id: comment.in_reply_to_id ?? comment.id,
        body: text,
      });
    };
    const onPullRequest = async (text: string) => {
      await octokit.rest.issues.createComment({ ...where, issue_number: pull, body: text });
    };
    /** Said where the review asked: each `/dellm` comment's thread, and the pull request for the review's own text. */
    const everywhere = async (text: string) => {
      for (const comment of asked) await reply(comment, text);
      if (general || asked.length === 0) await onPullRequest(text);
    };

    if (!(await mayRun(octokit, where, sender.login))) {
      await everywhere(
        `@${sender.login} only people with write access to this repository can run \`/dellm\` commands; nothing was done.`,
      );
      return;
    }
    const settings = await repositorySettings(context);
    if ("problem" in settings) {
      await everywhere(`dellm did not start: ${settings.problem}`);
      return;
    }
    const taken: ReviewCommentRecord[] = [];
    for (const comment of asked) {
      const problem = commentProblem(comment, settings, taken.length, sender.login);
      if (problem) await reply(comment, problem);
      else taken.push(commentRecord(comment));
    }
    // The review's own text is an instruction as an issue comment's is: two words or more.
    let instruction: string | undefined;
    if (general !== undefined && (general !== "" || asked.length === 0)) {
      const problem = instructionProblem(general, sender.login, true);
      if (problem) await onPullRequest(problem);
      else instruction = general;
    }
    if (instruction === undefined && taken.length === 0) return;
    const outcome = await jobs.followUp({
      ...where,
      installationId: payload.installation.id,
      number: pull,
      instruction: instruction ?? REVIEW_INSTRUCTION,
      requestedBy: sender.login,
      settings,
      private: repository.private,
      reviewComments: taken,
    });
    if (outcome.started) return;
    const refusal = outcome.queued ? outcome.reason : `dellm did not start: ${outcome.reason}`;
    for (const comment of asked.filter((c) => taken.some((t) => t.id === c.id))) await reply(comment, refusal);
    if (instruction !== undefined) await onPullRequest(refusal);
  }
}

/** The review's body and every comment of it (a page holds 100; a review can have more). */
async function readReview(
  octokit: Octokit,
  where: { owner: string; repo: string },
  pull: number,
  source: { review: number; body?: string },
): Promise<{ body: string; comments: ReviewComment[] }> {
  const params = { ...where, pull_number: pull, review_id: source.review };
  const body = source.body ?? (await octokit.rest.pulls.getReview(params)).data.body;
  const listed = await octokit.paginate(octokit.rest.pulls.listCommentsForReview, { ...params, per_page: 100 });
  const comments = listed.flatMap((raw) => {
    const parsed = ReviewCommentSchema.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
  return { body: body ?? "", comments };
}

/** Why a `/dellm` review comment is not planned (answered in its thread), or undefined when it is. */
function commentProblem(
  comment: ReviewComment,
  settings: AppSettings,
  takenSoFar: number,
  login: string,
): string | undefined {
  const text = commandText(comment.body) ?? "";
  const problem = instructionProblem(text, login, false);
  if (problem) return problem;
  const path = codeSpanCell(comment.path);
  if (takenSoFar >= MAX_REVIEW_COMMENTS)
    return `dellm takes at most ${MAX_REVIEW_COMMENTS} \`/dellm\` comments from one review; nothing was planned for this one. Ask again in a new review once this one's commit is in.`;
  const refused = refusedBySettings(settings, comment.path);
  if (refused) return `dellm will not change ${path}: it is ${refused}. Nothing was planned for this comment.`;
  if (!comment.path.endsWith(".py"))
    return `dellm writes and tests only Python (.py) files, so it will not change ${path}. Nothing was planned for this comment.`;
  return undefined;
}

/** Why the text after `/dellm` is not an instruction (the help line, or too long), or undefined. */
function instructionProblem(text: string, login: string, twoWords: boolean): string | undefined {
  if (!text || NOT_INSTRUCTIONS.has(text.toLowerCase()) || (twoWords && !/\s/.test(text)))
    return `@${login} in a review, dellm takes \`/dellm <what to change>\`: a comment on lines of a file of this pull request, e.g. \`/dellm make the greeting configurable\`, becomes one more commit on it that changes that file. \`/dellm retry\` and \`/dellm stop\` go in a comment on the pull request.`;
  if (text.length > MAX_INSTRUCTION_CHARS)
    return `@${login} that instruction has ${text.length} characters; dellm takes at most ${MAX_INSTRUCTION_CHARS}. Shorten it and comment again.`;
  return undefined;
}

function commentRecord(comment: ReviewComment): ReviewCommentRecord {
  return {
    id: comment.id,
    ...(comment.in_reply_to_id !== undefined ? { in_reply_to: comment.in_reply_to_id } : {}),
    path: comment.path,
    ...(comment.line ? { line: comment.line } : {}),
    ...(comment.start_line ? { start_line: comment.start_line } : {}),
    ...(comment.side ? { side: comment.side } : {}),
    body: commandText(comment.body)!,
  };
}

/** Review ids handled or being handled, the oldest forgotten first. */
class ReviewClaims {
  private readonly ids = new Set<number>();

  /** True for the first claim of a review (checked and set at once: no await between). */
  claim(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > CLAIMS_KEPT) this.ids.delete(this.ids.values().next().value!);
    return true;
  }

  release(id: number): void {
    this.ids.delete(id);
  }
}
