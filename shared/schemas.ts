// The data that crosses every edge of dellm (planner → board → worker → bot).
// Field names follow the seed plan (shared/models.py) so records stay readable across versions.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { repoRelativePath } from "./repo-path.js";
import { AnswerTranscriptSchema, GenerationStatusSchema } from "./model/answer-transcript.js";

/** Limits that keep a single record bounded (an LLM or a volunteer can send anything). */
export const LIMITS = {
  descriptionChars: 4_000,
  specChars: 4_000,
  contextChars: 16_000,
  instructionsChars: 8_000,
  pathChars: 255,
  codeBytes: 1_000_000,
  logChars: 64_000,
  maxTasks: 50,
  maxDependencies: 50,
} as const;

const jobIdPattern = /^[a-z0-9][a-z0-9-]{5,63}$/;
export const JobIdSchema = z
  .string()
  .regex(jobIdPattern, "a job id is 6-64 lowercase letters, digits or dashes (as made by newJobId())");
export type JobId = z.infer<typeof JobIdSchema>;

/** Time-ordered and random, so two jobs started in the same millisecond still never collide. */
export function newJobId(now: Date = new Date()): JobId {
  return `job-${now.getTime().toString(36)}-${randomBytes(5).toString("hex")}`;
}

const relativePathPart = z.string().max(LIMITS.pathChars);

/**
 * A path inside the repository that a peer names (a snapshot's files and setup binaries, a grant's
 * dependency files): refused with repoRelativePath's reason when it could leave the repository
 * (absolute, `..`), touch `.git` or read as an option, so nothing is written outside it.
 */
export const RepoPathSchema = z
  .string()
  .max(4_096)
  .superRefine((path, context) => {
    try {
      repoRelativePath("", path);
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message });
    }
  });

export const TaskSchema = z.object({
  id: z.number().int().positive(),
  description: z.string().min(1).max(LIMITS.descriptionChars),
  file: relativePathPart.min(1),
  dependencies: z.array(z.number().int().positive()).max(LIMITS.maxDependencies),
  input_output_spec: z.string().max(LIMITS.specChars),
  directory: relativePathPart,
  context: z.string().max(LIMITS.contextChars),
  /** The file's content in the repository when the task changes an existing file (set by the bot, never by the planner). */
  current_content: z.string().max(LIMITS.contextChars).optional(),
  /**
   * The whole file as it stands in the base, any size (set by the bot): the worker shows its model
   * an outline and the parts the task concerns, and applies the model's edits to it.
   */
  existing_file: z
    .object({ content: z.string().max(LIMITS.codeBytes), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
    .optional(),
  /** The repository's instructions (.github/dellm.md or AGENTS.md), bounded (set by the bot, never by the planner). */
  repository_instructions: z.string().max(LIMITS.instructionsChars).optional(),
});
export type Task = z.infer<typeof TaskSchema>;

/**
 * How a test run ended, as the sandbox judged it. "tampering": the code under test contains a
 * construct that can fake the verdict (named in `tampering`); "unknown": the structured report was
 * missing, partial or contradicted the exit status, so no verdict could be trusted.
 * "missing_dependency": the tests failed importing a module the sandbox image lacks and no file of
 * the run provides (the repository's `setup` must install it; per-test outcomes stay valid).
 * "not_model_answer": set by the bot, not a sandbox: the generation check showed the file is not the
 * named model's own answer (worker/verify/generation-verifier.ts), so it was never tested or merged.
 */
export const TestVerdictSchema = z.enum([
  "passed",
  "failed",
  "no_tests",
  "syntax_error",
  "tampering",
  "unknown",
  "timed_out",
  "out_of_memory",
  "killed",
  "missing_dependency",
  "not_model_answer",
]);
export type TestVerdict = z.infer<typeof TestVerdictSchema>;

/** One collected test's end, from the runner's structured log ("error": its file did not collect). */
export const TestOutcomeSchema = z.enum(["passed", "failed", "skipped", "xfailed", "xpassed", "unfinished", "error"]);
export type TestOutcome = z.infer<typeof TestOutcomeSchema>;

export const TestResultSchema = z.object({
  success: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  tests_passed: z.number().int().nonnegative(),
  tests_failed: z.number().int().nonnegative(),
  execution_time: z.number().nonnegative(),
  /** Why the run failed when pytest itself could not say (timeout, syntax error, sandbox fault). */
  failure_reason: z.string().optional(),
  /**
   * The sandbox's verdict (absent in results from workers before issue 14). One this version does
   * not know (a newer worker's) reads as "unknown": never as a pass, and the result is not lost.
   */
  verdict: TestVerdictSchema.catch("unknown").optional(),
  /** What faked or could fake the verdict, "<what> at line N of <path>" (verdict "tampering"). */
  tampering: z.array(z.string().max(500)).max(50).optional(),
  /** Per-test outcomes by pytest node id (absent from older workers and runs without a verdict). */
  test_outcomes: z
    .array(z.object({ id: z.string().max(500), outcome: TestOutcomeSchema }))
    .max(10_000)
    .optional(),
  /** The runner kept only the first test outcomes (the verdict line is bounded). */
  tests_truncated: z.boolean().optional(),
});
export type TestResult = z.infer<typeof TestResultSchema>;

const symbolName = z
  .string()
  .regex(/^[A-Za-z_][\w.]*$/)
  .max(200);
const editCode = z.string().max(LIMITS.codeBytes);

/**
 * One change to an existing file: a search/replace block (the SEARCH text must occur exactly once)
 * or a Python definition located by name with Python's own parser (shared/edits/).
 */
export const EditSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("search_replace"), search: editCode.min(1), replace: editCode }),
  /** Replace the definition (decorators included) of a function, method or class. */
  z.object({ kind: z.literal("replace_symbol"), symbol: symbolName, code: editCode }),
  /** A new definition right after this one, at its indentation. */
  z.object({ kind: z.literal("insert_after"), symbol: symbolName, code: editCode }),
  /** A new definition at the end of this class's body. */
  z.object({ kind: z.literal("insert_into"), symbol: symbolName, code: editCode }),
  /** Import lines added after the module's imports (lines already there are skipped). */
  z.object({ kind: z.literal("add_imports"), code: editCode }),
]);
export type Edit = z.infer<typeof EditSchema>;
const EditsSchema = z.array(EditSchema).max(50);
const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A model's answer as generated and its tokens, which a verifier checks against its own copy of the
 * model (issue 22). Absent from scripted models and workers before it.
 */
export const ModelAnswerSchema = z.object({
  text: z.string().max(LIMITS.codeBytes),
  transcript: AnswerTranscriptSchema,
});
export type ModelAnswer = z.infer<typeof ModelAnswerSchema>;

/** One generate → test round of a worker; the result keeps all of them. */
export const AttemptSchema = z.object({
  attempt: z.number().int().positive(),
  code: z.string().max(LIMITS.codeBytes),
  test: TestResultSchema,
  /** The edits the model answered with, when the task changes an existing file. */
  edits: EditsSchema.optional(),
  /** The model's answer behind this attempt's code (see ModelAnswerSchema). */
  answer: ModelAnswerSchema.extend({
    /** A repair round's: what its prompt quoted of the previous attempt's test run. */
    failure_log: z.string().max(LIMITS.logChars).optional(),
  }).optional(),
});
export type Attempt = z.infer<typeof AttemptSchema>;

export const SubtaskSchema = z.object({
  subtask_description: z.string().min(1).max(LIMITS.descriptionChars),
  subtask_input_output: z.string().max(LIMITS.specChars),
  subtask_order: z.number().int().positive(),
});
export type Subtask = z.infer<typeof SubtaskSchema>;

export const ResultSchema = z.object({
  job_id: JobIdSchema,
  task_id: z.number().int().positive(),
  code: z.string().max(LIMITS.codeBytes),
  test_passed: z.boolean(),
  test_logs: z.string().max(LIMITS.logChars),
  execution_time: z.number().nonnegative(),
  worker_id: z.string().min(1).max(200),
  timestamp: z.number().nonnegative(),
  tests_passed: z.number().int().nonnegative(),
  tests_failed: z.number().int().nonnegative(),
  attempts: z.array(AttemptSchema),
  /** Set when the worker's model judged the task too big (Query 5.2 → 5.3). */
  subtasks: z.array(SubtaskSchema).optional(),
  /** The answers behind `subtasks`: 5.2's "no" and the 5.3 split, checked like the code (issue 22). */
  split_answers: z.object({ can_solve: ModelAnswerSchema, split: ModelAnswerSchema }).optional(),
  /** What the worker noticed on the way (retried answers, a split that failed, a shortened plan). */
  notes: z.array(z.string().max(2_000)).max(50).default([]),
  /** Set when the worker could not produce code at all (model or sandbox fault). */
  error: z.string().max(LIMITS.logChars).optional(),
  /**
   * For an existing file: the edits that turn the base into `code`, and the sha256 of the base they
   * apply to. The bot re-applies them to its own copy and never takes `code` on trust.
   */
  edits: EditsSchema.optional(),
  base_sha256: Sha256Schema.optional(),
  /** The SHA-256 of the model file the worker generated with (absent: a scripted model, or an older worker). */
  model_sha256: Sha256Schema.optional(),
  /** The verdict behind `test_passed` when the bot re-tested the code (its own sandbox's; unknown kinds: "unknown"). */
  verdict: TestVerdictSchema.catch("unknown").optional(),
  /**
   * The peer that sent the result, as the coordinator's connection authenticated it (set by the
   * coordinator; whatever a worker writes here is replaced). Absent for the bot's own workers.
   */
  producer: z.object({ peer: z.string().min(1).max(200), host: z.string().max(100).optional() }).optional(),
  /** Whether the bot showed the file to be the named model's own answer (set by the bot; a worker's is dropped). */
  generation: GenerationStatusSchema.optional(),
});
export type Result = z.infer<typeof ResultSchema>;

export const JobStatusSchema = z.enum(["planning", "running", "merging", "done", "failed"]);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const JobSchema = z.object({
  id: JobIdSchema,
  query: z.string().min(1),
  repo_path: z.string().min(1),
  branch: z.string().min(1),
  status: JobStatusSchema,
  tasks: z.array(TaskSchema),
  created_at: z.number().nonnegative(),
});
export type Job = z.infer<typeof JobSchema>;

/** A file handed to the sandbox or the merger, path relative to the repository root. */
export interface SourceFile {
  path: string;
  content: string;
}

/** Everything a worker needs to solve one task; the dependency files let its tests import them. */
export interface WorkItem {
  jobId: JobId;
  userQuery: string;
  plan: Task[];
  task: Task;
  dependencyFiles: SourceFile[];
}

/** Parse with a message that says which record was bad and why, instead of a raw zod dump. */
export function parseOrExplain<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(`${what} is invalid: ${z.prettifyError(parsed.error)}`);
}
