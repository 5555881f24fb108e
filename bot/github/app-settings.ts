// Per-repository settings, read the Probot way from `.github/dellm.yml` (or the owner's `.github`
// repository). The file is written by people, so every field is checked and explained.
import { z } from "zod";
import type { NamedModel } from "../../shared/swarm/coordinator-protocol.js";
import { LIMITS } from "../../shared/schemas.js";
import { parseTestCommand } from "../pipeline/repository-tests.js";
import { SETUP_LIMITS } from "../../shared/sandbox/setup-image.js";

export const AppSettingsSchema = z
  .object({
    /** The label that starts a job. */
    label: z.string().trim().min(1, "label must not be empty").max(50).default("dellm"),
    /** Plans with more tasks are re-asked, then refused. */
    max_tasks: z
      .number()
      .int()
      .min(1, "max_tasks must be at least 1")
      .max(LIMITS.maxTasks, `max_tasks can be at most ${LIMITS.maxTasks}`)
      .default(8),
    /** How long the job waits for each task's result (the job waits this times the task count). */
    task_timeout_seconds: z
      .number()
      .int()
      .min(10, "task_timeout_seconds must be at least 10")
      .max(3_600, "task_timeout_seconds can be at most 3600")
      .default(120),
    /** Paths (directories ending in "/" or single files) the bot may write; "" or "/" is the whole repository. */
    paths: z.array(z.string().max(LIMITS.pathChars)).min(1, "paths needs at least one entry").default([""]),
    /** Volunteers who solve each task independently; the bot keeps a result that passes its re-test (majority when several do). */
    replicas: z.number().int().min(1, "replicas must be at least 1").max(5, "replicas can be at most 5").default(1),
    /** `.github/` holds workflows that run with the repository's secrets: off limits unless allowed here. */
    allow_github_dir: z.boolean().default(false),
    /** The repository's tests, as pytest paths and -k/-m (default: every test_*.py / *_test.py file). */
    test_command: z
      .string()
      .trim()
      .min(1, "test_command must not be empty (leave it out to run every test file)")
      .max(1_000)
      .superRefine((text, context) => {
        try {
          parseTestCommand(text);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
        }
      })
      .optional(),
    /** The repository's test run is killed after this long (on the base commit and on the result alike). */
    test_timeout_seconds: z
      .number()
      .int()
      .min(5, "test_timeout_seconds must be at least 5")
      .max(1_800, "test_timeout_seconds can be at most 1800")
      .default(300),
    /** Rounds in which the swarm re-solves the tasks a failing repository test reaches, given the failure's log. */
    integration_repairs: z
      .number()
      .int()
      .min(0, "integration_repairs must be at least 0")
      .max(3, "integration_repairs can be at most 3")
      .default(1),
    /**
     * A private repository's file contents reach a planner run by a third party (Claude through
     * Anthropic's API) only when this is true; otherwise it sees the issue and the file list.
     */
    share_code_with_planner: z.boolean().default(false),
    /** Tracked text files copied into a sandbox run, in MB; a bigger repository's tests are not run. */
    snapshot_limit_mb: z
      .number()
      .int()
      .min(1, "snapshot_limit_mb must be at least 1")
      .max(500, "snapshot_limit_mb can be at most 500")
      .default(20),
    /**
     * Shell commands (`sh -e`, one after another) run once in a container of the sandbox image with the
     * repository at /code, e.g. `pip install -r requirements.txt`; the container becomes the image the
     * job's tests run in (see shared/sandbox/setup-image.ts). A command that reads files other than the
     * dependency manifests must name them (the image is rebuilt when they change).
     */
    setup: z
      .array(
        z
          .string({ error: "each setup entry must be a shell command (a string)" })
          .trim()
          .min(1, "a setup command must not be empty")
          .max(SETUP_LIMITS.commandChars, `a setup command can be at most ${SETUP_LIMITS.commandChars} characters`)
          .refine((command) => !command.includes("\0"), "a setup command must not contain NUL characters"),
        { error: 'setup must be a list of shell commands, e.g. ["pip install -r requirements.txt"]' },
      )
      .max(SETUP_LIMITS.commands, `setup can have at most ${SETUP_LIMITS.commands} commands`)
      .default([]),
    /** The setup container may reach the network (package indexes); tests never can. */
    setup_network: z.boolean({ error: "setup_network must be true or false" }).default(false),
    /**
     * The model every file of this repository's jobs must come from, `<sha256 of the GGUF>:<context
     * size>`: only volunteers running it are given the tasks, and each file is checked to be its
     * answer (by the bot when it holds that model, else by volunteers running it). Omitted: the bot's.
     */
    model: z
      .string()
      .trim()
      .regex(
        /^[0-9a-f]{64}:[1-9]\d*$/,
        "model must be <sha256 of the GGUF file>:<context size>, e.g. <64 hex digits>:8192 (dellm-worker doctor prints a model file's sha256)",
      )
      .optional(),
  })
  .strict()
  .refine((settings) => !settings.setup_network || settings.setup.length > 0, {
    message: "setup_network: true needs setup commands to run (add setup, or drop setup_network)",
    path: ["setup_network"],
  });
export type AppSettings = z.infer<typeof AppSettingsSchema>;

export const DEFAULT_SETTINGS: AppSettings = AppSettingsSchema.parse({});

export class SettingsError extends Error {
  override name = "SettingsError";
}

/** Settings from the parsed YAML (null when the repository has none), or SettingsError naming the fix. */
export function parseSettings(raw: unknown): AppSettings {
  const parsed = AppSettingsSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  throw new SettingsError(
    `.github/dellm.yml is invalid: ${z.prettifyError(parsed.error)}. Fix the file (the settings and their defaults: docs/configuration.md in dellm's repository) and try again.`,
  );
}

/** The model the repository pins (`model`), as grants name it; undefined when it pins none. */
export function pinnedModel(settings: AppSettings): (NamedModel & { name: string }) | undefined {
  if (!settings.model) return undefined;
  const [sha256, context] = settings.model.split(":") as [string, string];
  return {
    sha256,
    context_size: Number(context),
    name: `the model .github/dellm.yml names (sha256 ${sha256.slice(0, 12)}…)`,
  };
}

/** The reason a path may not be written under these settings, or null when it may. */
export function refusedBySettings(settings: AppSettings, path: string): string | null {
  if (!settings.allow_github_dir && (path === ".github" || path.startsWith(".github/"))) {
    return "files under .github/ (workflows run with the repository's secrets) are written only when .github/dellm.yml sets allow_github_dir: true";
  }
  const allowed = settings.paths.map((p) => p.replace(/^\/+/, ""));
  if (allowed.some((p) => p === "" || path === p || (p.endsWith("/") && path.startsWith(p)))) return null;
  return `outside the paths .github/dellm.yml allows (${allowed.join(", ")})`;
}
