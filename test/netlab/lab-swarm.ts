// The swarm's processes inside a NetLab: the lab coordinator and lab workers, started in their
// hosts' namespaces, with their JSON event lines parsed and waitable.
import { fileURLToPath } from "node:url";
import { testEnv, type RunningProcess } from "../processes.js";
import type { LabHost, NetLab } from "./netlab.js";

/** The port every lab DHT server (bot, bootstrap) listens on. */
export const LAB_SWARM_PORT = 4001;

export type LabEvent = { event: string; at?: number; worker?: string } & Record<string, unknown>;

export interface LabProcess {
  running: RunningProcess;
  /** Every event line so far. */
  events(): LabEvent[];
  /** The first event (from now on or already seen) matching `match`. */
  waitForEvent(match: (event: LabEvent) => boolean, timeoutMs?: number): Promise<LabEvent>;
  send(line: string): void;
  /** SIGINT, then the exit. */
  stop(): Promise<void>;
}

const tsx = import.meta.resolve("tsx");
const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

function labProcess(running: RunningProcess): LabProcess {
  const parsed = () =>
    running
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LabEvent];
        } catch {
          return [];
        }
      });
  return {
    running,
    events: parsed,
    async waitForEvent(match, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = parsed().find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching event within ${timeoutMs} ms; output:\n${running.output().slice(-4_000)}`);
        if (running.child.exitCode !== null) throw new Error(`the process ended:\n${running.output().slice(-4_000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    send(line) {
      running.child.stdin!.write(`${line}\n`);
    },
    async stop() {
      if (running.child.exitCode === null) running.child.kill("SIGINT");
      await running.exited;
    },
  };
}

export interface LabCoordinator extends LabProcess {
  /** Its full address, /ip4/…/tcp/4001/p2p/<peer id>. */
  address: string;
  peer: string;
}

export async function startLabCoordinator(
  lab: NetLab,
  host: LabHost,
  options: { keyFile: string; databasePath: string; leaseSeconds: number; bootstrap?: string[] },
): Promise<LabCoordinator> {
  const running = lab.node(host, [
    "--import",
    tsx,
    script("lab-coordinator.ts"),
    JSON.stringify({ listen: `/ip4/${host.address}/tcp/${LAB_SWARM_PORT}`, ...options }),
  ]);
  const process = labProcess(running);
  const ready = await process.waitForEvent((event) => event.event === "ready", 60_000);
  return { ...process, address: ready.address as string, peer: ready.peer as string };
}

export async function startLabWorker(
  lab: NetLab,
  host: LabHost,
  options: {
    bootstrap: string[];
    coordinator: string;
    workerId: string;
    taskMs: number;
    dht: "auto" | "client" | "server";
  },
): Promise<LabProcess> {
  // In a namespace the worker listens on every interface, as at home; on loopback, only there.
  const listen = [host.ns ? "/ip4/0.0.0.0/tcp/0" : `/ip4/${host.address}/tcp/0`];
  const running = lab.node(host, ["--import", tsx, script("lab-worker.ts"), JSON.stringify({ listen, ...options })]);
  const process = labProcess(running);
  await process.waitForEvent((event) => event.event === "joined", 90_000);
  return process;
}

/** A bootstrap node: the real `dellm bootstrap` command, on the lab's swarm port. */
export async function startLabBootstrap(lab: NetLab, host: LabHost, stateDir: string): Promise<LabCoordinator> {
  const running = lab.node(
    host,
    [
      "--import",
      tsx,
      script("../../bot/cli.ts"),
      "bootstrap",
      "--listen",
      `/ip4/${host.address}/tcp/${LAB_SWARM_PORT}`,
    ],
    testEnv({ DELLM_STATE_DIR: stateDir }),
  );
  const [, address, peer] = await running.waitFor(/others join with: --bootstrap (\S+\/p2p\/(\S+))/, 60_000);
  return { ...labProcess(running), address: address!, peer: peer! };
}
