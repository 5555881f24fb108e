// The GitHub App's webhook edge (Probot): who may start, retry or stop dellm on an issue, the repository's
// settings, and the replies when it will not. What a job then does is behind `JobStarter`; `/dellm`
// in a review of a dellm pull request is review-webhooks.ts's.
import type { ApplicationFunction, Context } from "probot";
import { z } from "zod";
import type { AppSettings } from "./app-settings.js";
import type { JobStarter, StartOutcome } from "./jobs.js";
import type { DeliveryLog } from "./deliveries.js";
import { MAX_ANSWER_CHARS, MAX_INSTRUCTION_CHARS } from "./job-store.js";
import { excerpt } from "./webhook-intake.js";
import { checked, COMMAND, Common, mayRun, repositorySettings } from "./webhook-checks.js";
import { onReviews } from "./review-webhooks.js";

export { SETTINGS_FILE } from "./webhook-checks.js";

const LabeledSchema = z.object({
  label: z.object({ name: z.string() }),
  issue: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullable(),
    pull_request: z.unknown().optional(),
    user: z.object({ login: z.string().min(1) }).nullish(),
  }),
  ...Common,
});
const CommentSchema = z.object({
  comment: z.object({ body: z.string(), id: z.number().int().positive().optional() }),
  issue: z.object({
    number: z.number().int().positive(),
    /** The issue's author: their reply answers the planner's questions, as a writer's does. */
    user: z.object({ login: z.string().min(1) }).nullish(),
  }),
  ...Common,
});

export interface DellmAppOptions {
  /** Deliveries already handled (by X-GitHub-Delivery): a redelivered one is ignored. Omitted: only one being handled is. */
  deliveries?: Pick<DeliveryLog, "handled" | "record">;
}

/** What a delivery handler is given of its delivery, for `once`. */
export interface DeliveryContext {
  id: string;
  name: string;
  log: Pick<Context["log"], "info">;
}

/** Wraps a handler so that it acts once per X-GitHub-Delivery id. */
export type Once = <C extends DeliveryContext>(handler: (context: C) => Promise<void>) => (context: C) => Promise<void>;

/**
 * Each delivery id is acted on once: a redelivery of one handled before (GitHub's "Redeliver", or a
 * delivery it thought timed out), or one arriving while the first is handled, is ignored. The id is
 * recorded when the handler ends, also when it failed (the failure was answered on the issue); a bot
 * killed before then acts on GitHub's redelivery, so nothing it had not acknowledged is lost.
 */
function deliveredOnce(deliveries: DellmAppOptions["deliveries"]): Once {
  const inFlight = new Set<string>();
  return (handler) => async (context) => {
    const id = context.id.slice(0, 100);
    if (inFlight.has(id) || deliveries?.handled(id)) {
      context.log.info(`delivery ${id.slice(0, 64)} (${context.name}) was handled before; ignored`);
      return;
    }
    inFlight.add(id);
    try {
      await handler(context);
    } finally {
      deliveries?.record(id, context.name);
      inFlight.delete(id);
    }
  };
}

export function dellmApp(jobs: JobStarter, { deliveries }: DellmAppOptions = {}): ApplicationFunction {
  const once = deliveredOnce(deliveries);
  return (app) => {
    app.on(
      "issues.labeled",
      once(async (context) => {
        const payload = checked(context, LabeledSchema);
        if (!payload || payload.issue.pull_request !== undefined) return;
        const { issue, sender, repository } = payload;
        const on = onIssue(context, { owner: repository.owner.login, repo: repository.name }, issue.number);
        const settings = await on.settings();
        if (!settings || payload.label.name !== settings.label) return;
        if (!(await on.mayRun(sender.login))) {
          await on.say(
            `@${sender.login} only people with write access to this repository can start dellm; the label was ignored.`,
          );
          return;
        }
        const outcome = await jobs.start({
          owner: repository.owner.login,
          repo: repository.name,
          installationId: payload.installation.id,
          issueNumber: issue.number,
          title: issue.title,
          body: issue.body ?? "",
          requestedBy: sender.login,
          settings,
          private: repository.private,
          ...(issue.user ? { author: issue.user.login } : {}),
        });
        await on.replyIfRefused(outcome);
      }),
    );

    app.on(
      "issue_comment.created",
      once(async (context) => {
        const payload = checked(context, CommentSchema);
        // Bots (dellm included) never command dellm: no loops through its own comments.
        if (!payload || payload.sender.type === "Bot") return;
        const command = payload.comment.body.match(COMMAND);
        const { sender, repository } = payload;
        const on = onIssue(context, { owner: repository.owner.login, repo: repository.name }, payload.issue.number);
        if (!command) {
          await answerQuestions(jobs, context, payload, on.mayRun);
          return;
        }
        if (!(await on.mayRun(sender.login))) {
          await on.say(
            `@${sender.login} only people with write access to this repository can run \`/dellm\` commands; nothing was done.`,
          );
          return;
        }
        if (command[1] === "stop") {
          // The job side reports the stop on the issue (what had finished); only a refusal is said here.
          const outcome = await jobs.stopJob({
            owner: repository.owner.login,
            repo: repository.name,
            number: payload.issue.number,
            requestedBy: sender.login,
          });
          if (!outcome.stopped) await on.say(`dellm did not stop anything: ${outcome.reason}`);
          return;
        }
        // Anything but retry, of two words or more, is an instruction: a follow-up commit on the same PR.
        const retry = command[1] === "retry";
        const instruction = payload.comment.body.slice((command.index ?? 0) + "/dellm".length).trim();
        if (!retry && (!command[1] || command[1] === "help" || !/\s/.test(instruction))) {
          await on.say(
            `@${sender.login} dellm does not know \`/dellm${command[1] ? ` ${command[1]}` : ""}\`. It understands \`/dellm retry\` (re-run the failed or missing tasks of the latest job), \`/dellm stop\` (take the issue's job off the queue, or stop it where it stands; finished tasks are kept) and \`/dellm <what to change>\` on an issue with a dellm pull request (one more commit on that pull request, e.g. \`/dellm make the greeting configurable\`).`,
          );
          return;
        }
        if (!retry && instruction.length > MAX_INSTRUCTION_CHARS) {
          await on.say(
            `@${sender.login} that instruction has ${instruction.length} characters; dellm takes at most ${MAX_INSTRUCTION_CHARS}. Shorten it (the issue and its discussion are given to the planner anyway) and comment again.`,
          );
          return;
        }
        const settings = await on.settings();
        if (!settings) return;
        const where = {
          owner: repository.owner.login,
          repo: repository.name,
          installationId: payload.installation.id,
          number: payload.issue.number,
          requestedBy: sender.login,
          settings,
          private: repository.private,
        };
        if (retry) {
          await on.replyIfRefused(await jobs.retry(where));
          return;
        }
        await on.replyIfRefused(await jobs.followUp({ ...where, instruction }));
      }),
    );

    onReviews(app, jobs, once);
  };
}

/**
 * A comment that is no `/dellm` command, on an issue whose job waits for answers to the planner's
 * questions: from the issue's author or a writer it resumes the job; anyone else's is ignored (no
 * reply, no job). The body is untrusted: it is cut before the job (or a log) sees it.
 */
async function answerQuestions(
  jobs: JobStarter,
  context: Context<"issue_comment.created">,
  payload: z.infer<typeof CommentSchema>,
  mayRun: (username: string) => Promise<boolean>,
): Promise<void> {
  const { sender, repository, issue } = payload;
  const owner = repository.owner.login;
  const repo = repository.name;
  if (!jobs.answer || !(await jobs.waitingForAnswers?.(owner, repo, issue.number))) return;
  const author = issue.user?.login.toLowerCase() === sender.login.toLowerCase();
  if (!author && !(await mayRun(sender.login))) {
    context.log.info(
      `comment by @${excerpt(sender.login, 64)} on ${owner}/${repo}#${issue.number} ignored: only the issue's author or a writer answers dellm's questions`,
    );
    return;
  }
  const outcome = await jobs.answer({
    owner,
    repo,
    installationId: payload.installation.id,
    number: issue.number,
    by: sender.login,
    body: payload.comment.body.slice(0, MAX_ANSWER_CHARS + 1),
    ...(payload.comment.id ? { commentId: payload.comment.id } : {}),
  });
  if (!outcome.started) context.log.info(`answer on ${owner}/${repo}#${issue.number} not taken: ${outcome.reason}`);
}

/** What both handlers do on the issue the event is about. */
function onIssue(
  context: Context<"issues.labeled"> | Context<"issue_comment.created">,
  repository: { owner: string; repo: string },
  issueNumber: number,
) {
  const octokit = context.octokit;
  const say = async (body: string) => {
    await octokit.rest.issues.createComment({ ...repository, issue_number: issueNumber, body });
  };
  return {
    say,
    mayRun: (username: string): Promise<boolean> => mayRun(octokit, repository, username),
    /** `.github/dellm.yml`; a bad file is answered on the issue. */
    async settings(): Promise<AppSettings | undefined> {
      const settings = await repositorySettings(context as Context);
      if (!("problem" in settings)) return settings;
      await say(`dellm did not start: ${settings.problem}`);
      return undefined;
    },
    async replyIfRefused(outcome: StartOutcome): Promise<void> {
      if (!outcome.started) await say(outcome.queued ? outcome.reason : `dellm did not start: ${outcome.reason}`);
    },
  };
}
