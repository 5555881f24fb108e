// The GitHub App's webhook edge (Probot): who may start dellm on an issue, and the first answer on
// the issue. What a job then does is behind `JobStarter`, so the pipeline stays swappable.
import type { ApplicationFunction, Context } from "probot";
import { z } from "zod";

export const DEFAULT_LABEL = "dellm";
/** Permissions that may start or retry a job (GitHub's collaborator permission levels). */
const MAY_RUN = new Set(["admin", "maintain", "write"]);

export interface IssueRef {
  owner: string;
  repo: string;
  issueNumber: number;
  title: string;
  body: string;
  requestedBy: string;
}

/** Starts the pipeline for an issue; answers with the job id, or says why it will not. */
export interface JobStarter {
  start(issue: IssueRef): Promise<{ started: true; jobId: string } | { started: false; reason: string }>;
}

// Webhook payloads are untrusted input: only the fields used here, checked.
const LabeledSchema = z.object({
  label: z.object({ name: z.string() }),
  issue: z.object({ number: z.number().int().positive(), title: z.string(), body: z.string().nullable(), pull_request: z.unknown().optional() }),
  sender: z.object({ login: z.string().min(1), type: z.string() }),
  repository: z.object({ name: z.string().min(1), owner: z.object({ login: z.string().min(1) }) }),
});

export function dellmApp(jobs: JobStarter, options: { label?: string } = {}): ApplicationFunction {
  const label = options.label ?? DEFAULT_LABEL;
  return (app) => {
    app.on("issues.labeled", async (context) => {
      const parsed = LabeledSchema.safeParse(context.payload);
      if (!parsed.success) {
        context.log.warn(`ignoring a malformed issues.labeled payload: ${z.prettifyError(parsed.error)}`);
        return;
      }
      const { issue, sender, repository } = parsed.data;
      if (parsed.data.label.name !== label || issue.pull_request !== undefined) return;
      if (!(await mayRun(context, sender.login))) {
        await comment(context, `@${sender.login} only people with write access to this repository can start dellm; the label was ignored.`);
        return;
      }
      const outcome = await jobs.start({
        owner: repository.owner.login,
        repo: repository.name,
        issueNumber: issue.number,
        title: issue.title,
        body: issue.body ?? "",
        requestedBy: sender.login,
      });
      await comment(
        context,
        outcome.started
          ? `dellm is on it: job \`${outcome.jobId}\` started for @${sender.login}. I will plan the work, hand the tasks to the swarm and open a pull request here.`
          : `dellm did not start: ${outcome.reason}`,
      );
    });
  };
}

async function mayRun(context: Context<"issues.labeled">, username: string): Promise<boolean> {
  const { data } = await context.octokit.rest.repos.getCollaboratorPermissionLevel(context.repo({ username }));
  return MAY_RUN.has(data.permission);
}

async function comment(context: Context<"issues.labeled">, body: string): Promise<void> {
  await context.octokit.rest.issues.createComment(context.issue({ body }));
}
