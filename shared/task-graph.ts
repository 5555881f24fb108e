// Dependency order of a plan: Kahn's algorithm, ties broken by task id so the order is stable.
import type { Task } from "./schemas.js";

export class PlanGraphError extends Error {
  override name = "PlanGraphError";
}

/** Task ids in an order where every task comes after its dependencies; throws on unknown ids or cycles. */
export function dependencyOrder(tasks: Pick<Task, "id" | "dependencies">[]): number[] {
  const ids = new Set(tasks.map((t) => t.id));
  const waitingOn = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  for (const task of tasks) {
    const deps = [...new Set(task.dependencies)];
    for (const dep of deps) {
      if (dep === task.id) throw new PlanGraphError(`task ${task.id} depends on itself`);
      if (!ids.has(dep)) throw new PlanGraphError(`task ${task.id} depends on task ${dep}, which is not in the plan`);
      dependents.set(dep, [...(dependents.get(dep) ?? []), task.id]);
    }
    waitingOn.set(task.id, deps.length);
  }
  const ready = tasks.filter((t) => waitingOn.get(t.id) === 0).map((t) => t.id);
  const order: number[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const id = ready.shift()!;
    order.push(id);
    for (const next of dependents.get(id) ?? []) {
      const left = waitingOn.get(next)! - 1;
      waitingOn.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length !== tasks.length) {
    const stuck = tasks.filter((t) => !order.includes(t.id)).map((t) => t.id);
    throw new PlanGraphError(`the dependencies of tasks ${stuck.join(", ")} form a cycle`);
  }
  return order;
}

/** Every task `id` depends on, directly or through others (each once). */
export function transitiveDependencies(tasks: Pick<Task, "id" | "dependencies">[], id: number): number[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const seen = new Set<number>();
  const visit = (taskId: number): void => {
    for (const dep of byId.get(taskId)?.dependencies ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep);
    }
  };
  visit(id);
  return [...seen];
}
