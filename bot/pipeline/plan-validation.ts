// A plan from a model is untrusted: it is parsed with zod and checked for the mistakes that would
// break a job (cycles, unknown dependencies, two tasks on one file, a file where another task needs a
// folder, paths leaving the repository or named to fool a terminal, git or Python's imports).
import { z } from "zod";
import { repoRelativePath, UnsafePathError } from "../../shared/repo-path.js";
import { LIMITS, TaskSchema, type Task } from "../../shared/schemas.js";
import { dependencyOrder, PlanGraphError } from "../../shared/task-graph.js";
import { shadowingProblems, type PlannedFile } from "./python-shadowing.js";

export class PlanRejectedError extends Error {
  override name = "PlanRejectedError";
  constructor(readonly problems: string[]) {
    super(`the plan was rejected: ${summarizeProblems(problems)}`);
  }
}

/** At most this many of zod's issues are named; a model that answers nonsense would list hundreds. */
const SHOWN_ISSUES = 3;
/** A reason longer than this is cut: it may quote the model's answer. */
const REASON_CHARS = 400;

/** "task 2 (index 1) description: expected string", one line per issue, the first few only. */
export function planSchemaProblems(error: z.ZodError): string {
  const lines = error.issues.slice(0, SHOWN_ISSUES).map((issue) => {
    const [index, ...field] = issue.path;
    const where =
      typeof index === "number"
        ? `task #${index + 1}${field.length ? ` ${field.join(".")}` : ""}: `
        : issue.path.length
          ? `${issue.path.join(".")}: `
          : "";
    return `${where}${issue.message}`;
  });
  const more = error.issues.length - SHOWN_ISSUES;
  return `${lines.join("; ")}${more > 0 ? ` (and ${more} more problems)` : ""}`;
}

/**
 * The planner's reasons for every answer, each said once: "answers 1-3: <reason>" when the model
 * repeated itself, and no reason longer than a few lines.
 */
export function summarizeProblems(problems: string[]): string {
  const groups: { answers: string[]; reason: string }[] = [];
  for (const problem of problems) {
    const [, answer, reason = problem] = problem.match(/^answer (\d+): ([\s\S]*)$/) ?? [];
    const short = reason.length > REASON_CHARS ? `${reason.slice(0, REASON_CHARS)}… (cut)` : reason;
    const last = groups.at(-1);
    if (answer && last?.answers.length && last.reason === short) last.answers.push(answer);
    else groups.push({ answers: answer ? [answer] : [], reason: short });
  }
  return groups
    .map(({ answers, reason }) =>
      answers.length === 0
        ? reason
        : answers.length === 1
          ? `answer ${answers[0]}: ${reason}`
          : `answers ${answers[0]}-${answers.at(-1)}: ${reason}`,
    )
    .join("; ");
}

const PlanSchema = z
  .array(TaskSchema)
  .min(1, "the plan has no tasks")
  .max(LIMITS.maxTasks, `a plan may have at most ${LIMITS.maxTasks} tasks`);

/** The tasks, or PlanRejectedError listing every problem found (so a retry prompt can name them). */
export function validatePlan(value: unknown): Task[] {
  const parsed = PlanSchema.safeParse(value);
  if (!parsed.success) throw new PlanRejectedError([planSchemaProblems(parsed.error)]);
  // Only the bot says what a file holds now; whatever the model put there is dropped.
  // Fields only the bot sets: a plan cannot forge a file's content or the repository's instructions.
  const tasks = parsed.data.map(
    ({ current_content: _ignored, existing_file: _alsoIgnored, repository_instructions: _notYours, ...task }) => task,
  );
  const problems: string[] = [];

  const seenIds = new Set<number>();
  for (const task of tasks) {
    if (seenIds.has(task.id)) problems.push(`task id ${task.id} is used twice`);
    seenIds.add(task.id);
  }

  const files: PlannedFile[] = [];
  for (const task of tasks) {
    try {
      const path = repoRelativePath(task.directory, task.file);
      if (!path.endsWith(".py"))
        problems.push(`task ${task.id} targets ${path}: only Python (.py) files can be generated and tested`);
      files.push({ taskId: task.id, path });
    } catch (error) {
      if (!(error instanceof UnsafePathError)) throw error;
      problems.push(`task ${task.id}: ${error.message}`);
    }
  }
  problems.push(...clashProblems(files), ...shadowingProblems(files));

  if (problems.length === 0) {
    try {
      dependencyOrder(tasks);
    } catch (error) {
      if (!(error instanceof PlanGraphError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new PlanRejectedError(problems);
  return tasks;
}

/**
 * Files the merge could not all write: one path for two tasks (even in dependency order one would
 * silently replace the other), a file where another task needs a folder (ok.py and ok.py/inner.py),
 * and names equal but for case or Unicode form, one file on macOS and Windows checkouts.
 */
function clashProblems(files: PlannedFile[]): string[] {
  const problems: string[] = [];
  const fold = (path: string) => path.normalize("NFC").toLowerCase();
  for (const [i, a] of files.entries()) {
    for (const b of files.slice(i + 1)) {
      if (a.path === b.path) {
        problems.push(`tasks ${a.taskId} and ${b.taskId} both write ${a.path}; give each file to one task`);
      } else if (fold(a.path) === fold(b.path)) {
        problems.push(
          `tasks ${a.taskId} and ${b.taskId} write ${a.path} and ${b.path}, one file on macOS and Windows; give them names that differ in more than case`,
        );
      } else {
        const [file, inside] = fold(b.path).startsWith(`${fold(a.path)}/`)
          ? [a, b]
          : fold(a.path).startsWith(`${fold(b.path)}/`)
            ? [b, a]
            : [null, null];
        if (file && inside) {
          problems.push(
            `task ${file.taskId} writes the file ${file.path}, but task ${inside.taskId} writes ${inside.path} inside a folder of that name; a path cannot be both, rename one of them`,
          );
        }
      }
    }
  }
  return problems;
}
