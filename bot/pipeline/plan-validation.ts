// A plan from a model is untrusted: it is parsed with zod and checked for the mistakes that would
// break a job (cycles, unknown dependencies, duplicate files, paths leaving the repository).
import { z } from "zod";
import { repoRelativePath, UnsafePathError } from "../../shared/repo-path.js";
import { LIMITS, TaskSchema, type Task } from "../../shared/schemas.js";
import { dependencyOrder, PlanGraphError } from "../../shared/task-graph.js";

export class PlanRejectedError extends Error {
  override name = "PlanRejectedError";
  constructor(readonly problems: string[]) {
    super(`the plan was rejected: ${problems.join("; ")}`);
  }
}

const PlanSchema = z.array(TaskSchema).min(1, "the plan has no tasks").max(LIMITS.maxTasks, `a plan may have at most ${LIMITS.maxTasks} tasks`);

/** The tasks, or PlanRejectedError listing every problem found (so a retry prompt can name them). */
export function validatePlan(value: unknown): Task[] {
  const parsed = PlanSchema.safeParse(value);
  if (!parsed.success) throw new PlanRejectedError([z.prettifyError(parsed.error)]);
  // Only the bot says what a file holds now; whatever the model put there is dropped.
  const tasks = parsed.data.map(({ current_content: _ignored, ...task }) => task);
  const problems: string[] = [];

  const seenIds = new Set<number>();
  for (const task of tasks) {
    if (seenIds.has(task.id)) problems.push(`task id ${task.id} is used twice`);
    seenIds.add(task.id);
  }

  const owners = new Map<string, number>();
  for (const task of tasks) {
    try {
      const path = repoRelativePath(task.directory, task.file);
      if (!path.endsWith(".py")) problems.push(`task ${task.id} targets ${path}: only Python (.py) files can be generated and tested`);
      const owner = owners.get(path);
      if (owner !== undefined) problems.push(`tasks ${owner} and ${task.id} both write ${path}; give each file to one task`);
      owners.set(path, task.id);
    } catch (error) {
      if (!(error instanceof UnsafePathError)) throw error;
      problems.push(`task ${task.id}: ${error.message}`);
    }
  }

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
