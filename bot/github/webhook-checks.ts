// What every webhook handler of the App checks the same way: the payload's common fields, who may
// command dellm, what `/dellm` looks like, and the repository's `.github/dellm.yml`. Shared by the
// issue handlers (webhooks.ts) and the review handlers (review-webhooks.ts).
import type { Context } from "probot";
import { z } from "zod";
import { parseSettings, SettingsError, type AppSettings } from "./app-settings.js";
import type { Octokit } from "./job-comment.js";

/** Permissions that may start, retry, stop or instruct a job (GitHub's collaborator permission levels). */
const MAY_RUN = new Set(["admin", "maintain", "write"]);
export const SETTINGS_FILE = "dellm.yml";

// Webhook payloads are untrusted input: only the fields used, checked.
export const Common = {
  sender: z.object({ login: z.string().min(1), type: z.string() }),
  // `private` decides who may see the code (trusted workers only); GitHub always sends it.
  repository: z.object({
    name: z.string().min(1),
    owner: z.object({ login: z.string().min(1) }),
    private: z.boolean({ error: "repository.private must be true or false" }),
  }),
  installation: z.object({ id: z.number().int().positive() }),
};

/** `/dellm <command>` at the start of a line. */
export const COMMAND = /^\/dellm(?:\s+(\S+))?/m;

/** The text after `/dellm` (trimmed), or undefined when the text has no command. */
export function commandText(body: string): string | undefined {
  const command = body.match(COMMAND);
  return command ? body.slice((command.index ?? 0) + "/dellm".length).trim() : undefined;
}

export function checked<T>(
  context: { name: string; payload: unknown; log: Context["log"] },
  schema: z.ZodType<T>,
): T | undefined {
  const parsed = schema.safeParse(context.payload);
  if (parsed.success) return parsed.data;
  context.log.warn(`ignoring a malformed ${context.name} payload: ${z.prettifyError(parsed.error)}`);
  return undefined;
}

export async function mayRun(
  octokit: Octokit,
  repository: { owner: string; repo: string },
  username: string,
): Promise<boolean> {
  const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repository, username });
  return MAY_RUN.has(data.permission);
}

/** `.github/dellm.yml` (Probot also looks in the owner's `.github` repository), or why it cannot be used. */
export async function repositorySettings(context: Context): Promise<AppSettings | { problem: string }> {
  try {
    return parseSettings(await context.config<Record<string, unknown>>(SETTINGS_FILE, {}));
  } catch (error) {
    return {
      problem:
        error instanceof SettingsError
          ? error.message
          : `.github/${SETTINGS_FILE} could not be read (${(error as Error).message}); fix or remove it and try again.`,
    };
  }
}
