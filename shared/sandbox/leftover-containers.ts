// Containers outlive the process that started them when it is killed (SIGKILL, a crash, a reboot of
// the bot but not of the daemon): each container therefore ends by itself (a `timeout` inside it is
// its PID 1), and every dellm container carries an owner label, `<host>:<pid>:<start>`, so a process
// starting up can remove those whose owner is gone, and only those: a running bot, worker or test
// run on the same daemon keeps its own.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import Docker from "dockerode";
import { z } from "zod";

/** Label naming the process that started a dellm container. */
export const OWNER_LABEL = "dellm.owner";
/** Labels that mark a container as dellm's (sandbox runs, setup builds), owner label or not. */
export const DELLM_CONTAINER_LABELS = ["dellm.sandbox", "dellm.setup"] as const;

/** Seconds a container's own `timeout` waits past the host's limit before it kills the command. */
export const SELF_KILL_GRACE_SECONDS = 5;

/**
 * The container's command wrapped in coreutils `timeout` (PID 1): killed by the kernel's timer
 * `grace` seconds after the host's own limit, even when no process of ours is left to kill it.
 */
export function selfEndingCommand(seconds: number, command: string[]): string[] {
  const limit = z.number().positive().finite().parse(seconds) + SELF_KILL_GRACE_SECONDS;
  return ["timeout", "-s", "KILL", `${Math.ceil(limit)}s`, ...command];
}

/** Start time of a process (clock ticks since boot, /proc/<pid>/stat field 22); undefined off Linux or when gone. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces or parentheses: count fields after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** This process as an owner label value. */
export function ownerLabel(): Record<string, string> {
  return { [OWNER_LABEL]: `${hostname()}:${process.pid}:${processStart(process.pid) ?? "?"}` };
}

const OwnerSchema = z.string().regex(/^(.+):(\d+):(\d+|\?)$/);

/** Whether the owner a label names is still running (a label of another host counts as alive: not ours to judge). */
export function ownerAlive(label: string): boolean {
  if (!OwnerSchema.safeParse(label).success) return false;
  const [, host, pid, start] = /^(.+):(\d+):(\d+|\?)$/.exec(label)!;
  if (host !== hostname()) return true;
  const now = processStart(Number(pid));
  if (start === "?") {
    try {
      process.kill(Number(pid), 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  // Same pid, other start time: the pid was reused, the owner is gone.
  return now === start;
}

/**
 * Removes dellm's containers whose owner is gone (and stopped ones from before owner labels): called
 * once at start-up by `dellm serve`, `dellm run` and `dellm-worker`. Never throws (no daemon: nothing
 * to sweep); returns the ids removed.
 */
export async function sweepLeftoverContainers(docker: Docker = new Docker()): Promise<string[]> {
  const removed: string[] = [];
  try {
    const seen = new Map<string, Docker.ContainerInfo>();
    for (const label of DELLM_CONTAINER_LABELS)
      for (const info of await docker.listContainers({ all: true, filters: { label: [label] } }))
        seen.set(info.Id, info);
    for (const info of seen.values()) {
      const owner = info.Labels[OWNER_LABEL];
      const leftover = owner === undefined ? info.State !== "running" : !ownerAlive(owner);
      if (!leftover) continue;
      await docker
        .getContainer(info.Id)
        .remove({ force: true })
        .then(() => removed.push(info.Id))
        .catch(() => {}); // already gone (its owner's own clean-up won)
    }
  } catch {
    // no Docker daemon: no containers to sweep
  }
  return removed;
}
