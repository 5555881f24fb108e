// The GitHub App's webhook edge (Probot): who may start, retry or stop dellm on an issue, the repository's
// settings, and the replies when it will not. What a job then does is behind `JobStarter`.
import type { ApplicationFunction, Context } from "probot";
import { z } from "zod";
import { parseSettings, SettingsError, type AppSettings } from "./app-settings.js";
import type { JobStarter, StartOutcome } from "./jobs.js";
import type { DeliveryLog } from "./deliveries.js";
import { MAX_INSTRUCTION_CHARS } from "./job-store.js";

/** Permissions that may start, retry or stop a job (GitHub's collaborator permission levels). */
const MAY_RUN = new Set(["admin", "maintain", "write"]);
export const SETTINGS_FILE = "dellm.yml";

// Webhook payloads are untrusted input: only the fields used here, checked.
const Common = {
  sender: z.object({ login: z.string().min(1), type: z.string() }),
  // `private` decides who may see the code (trusted workers only); GitHub always sends it.
  repository: z.object({
    name: z.string().min(1),
    owner: z.object({ login: z.string().min(1) }),
    private: z.boolean({ error: "repository.private must be true or false" }),
  }),
  installation: z.object({ id: z.number().int().positive() }),
};
const LabeledSchema = z.object({
  label: z.object({ name: z.string() }),
  issue: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullable(),
    pull_request: z.unknown().optional(),
  }),
  ...Common,
});
const CommentSchema = z.object({
  comment: z.object({ body: z.string() }),
  issue: z.object({ number: z.number().int().positive() }),
  ...Common,
});

/** `/dellm <command>` at the start of a line. */
const COMMAND = /^\/dellm(?:\s+(\S+))?/m;

export interface DellmAppOptions {
  /** Deliveries already handled (by X-GitHub-Delivery): a redelivered one is ignored. Omitted: none remembered. */
  deliveries?: Pick<DeliveryLog, "firstTime">;
}

export function dellmApp(jobs: JobStarter, { deliveries }: DellmAppOptions = {}): ApplicationFunction {
  /** False for a delivery handled before (GitHub's "Redeliver", or a retry): no second job or comment. */
  const firstTime = (context: { id: string; name: string; log: Context["log"] }): boolean => {
    if (!deliveries || deliveries.firstTime(context.id, context.name)) return true;
    context.log.info(`delivery ${context.id.slice(0, 64)} (${context.name}) was handled before; ignored`);
    return false;
  };
  return (app) => {
    app.on("issues.labeled", async (context) => {
      if (!firstTime(context)) return;
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
      });
      await on.replyIfRefused(outcome);
    });

    app.on("issue_comment.created", async (context) => {
      if (!firstTime(context)) return;
      const payload = checked(context, CommentSchema);
      // Bots (dellm included) never command dellm: no loops through its own comments.
      if (!payload || payload.sender.type === "Bot") return;
      const command = payload.comment.body.match(COMMAND);
      if (!command) return;
      const { sender, repository } = payload;
      const on = onIssue(context, { owner: repository.owner.login, repo: repository.name }, payload.issue.number);
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
    });
  };
}

function checked<T>(
  context: { name: string; payload: unknown; log: Context["log"] },
  schema: z.ZodType<T>,
): T | undefined {
  const parsed = schema.safeParse(context.payload);
  if (parsed.success) return parsed.data;
  context.log.warn(`ignoring a malformed ${context.name} payload: ${z.prettifyError(parsed.error)}`);
  return undefined;
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
    async mayRun(username: string): Promise<boolean> {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repository, username });
      return MAY_RUN.has(data.permission);
    },
    /** `.github/dellm.yml` (Probot also looks in the owner's `.github` repository); a bad file is answered on the issue. */
    async settings(): Promise<AppSettings | undefined> {
      try {
        return parseSettings(await (context as Context).config<Record<string, unknown>>(SETTINGS_FILE, {}));
      } catch (error) {
        const reason =
          error instanceof SettingsError
            ? error.message
            : `.github/${SETTINGS_FILE} could not be read (${(error as Error).message}); fix or remove it and try again.`;
        await say(`dellm did not start: ${reason}`);
        return undefined;
      }
    },
    async replyIfRefused(outcome: StartOutcome): Promise<void> {
      if (!outcome.started) await say(`dellm did not start: ${outcome.reason}`);
    },
  };
}
