// A volunteer's machine is theirs first: by default the worker's model takes at most half the cores
// (at least one) and the whole worker process runs at a lower CPU priority (nice 10), so the
// volunteer's own programs win whenever they want the CPU. `--threads` and `--nice` /
// `--normal-priority` change that. Sandbox containers are run by the Docker daemon, not by this
// process, and keep the daemon's priority (they are capped by their own limits).
import { readdirSync } from "node:fs";
import { availableParallelism, getPriority, setPriority } from "node:os";

/** The nice value the worker runs at unless told otherwise (0 = normal, 19 = lowest). */
export const DEFAULT_WORKER_NICE = 10;

/** Half the cores, at least one: the model's default thread count in dellm-worker. */
export function defaultWorkerThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** This process's threads (Linux: every task in /proc/self/task); elsewhere just the process (0). */
function ownThreads(): number[] {
  try {
    return readdirSync("/proc/self/task").map(Number).filter(Number.isInteger);
  } catch {
    return [0];
  }
}

/**
 * Lowers this process's CPU priority to `nice` (never raises it: a worker started under `nice -n 15`
 * stays at 15). On Linux the nice value belongs to each thread, and setpriority(0) changes only the
 * calling one, so every existing thread is lowered; threads started later (libuv's pool,
 * llama.cpp's) inherit it from the thread that starts them. Returns the nice value now in force,
 * or throws with the reason when the system refused.
 */
export function lowerPriority(nice: number = DEFAULT_WORKER_NICE): number {
  const target = Math.max(getPriority(0), nice);
  for (const thread of ownThreads()) {
    try {
      if (getPriority(thread) < target) setPriority(thread, target);
    } catch (error) {
      // A thread that ended between listing and renicing is gone, not a failure.
      if ((error as NodeJS.ErrnoException).code === "ESRCH") continue;
      throw error;
    }
  }
  return getPriority(0);
}

/** "runs at nice 10, the model on 1 of 2 cores" — the start line that tells a volunteer what the worker takes. */
export function describeCitizenship(nice: number, threads: number, cores: number = availableParallelism()): string {
  const priority = nice > 0 ? `at lower CPU priority (nice ${nice})` : "at normal CPU priority";
  return `[worker] running ${priority}, the model on ${threads} of ${cores} cores (change with --threads, --nice, --normal-priority)`;
}
