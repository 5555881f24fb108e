// The bot's swarm node for `dellm run --swarm`, and `dellm bootstrap` (a bare node others join).
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { bootstrapPeersFrom, type DellmEnv } from "../../shared/config.js";
import { dialableAddresses, startNode } from "../../shared/swarm/start-node.js";
import type { SwarmNode } from "../../shared/swarm/swarm-node.js";
import { describeCoordinatorEvent } from "./progress-printer.js";
import { SwarmCoordinator } from "../swarm/coordinator.js";
import { UsageError } from "../../shared/usage-error.js";

/** node:util parseArgs options shared by the commands that start a swarm node. */
export const swarmFlags = {
  listen: { type: "string", multiple: true },
  key: { type: "string" },
  bootstrap: { type: "string", multiple: true },
  lease: { type: "string" },
} as const;

export const DEFAULT_LISTEN = "/ip4/0.0.0.0/tcp/4001";

const SwarmOptionsSchema = z.object({
  listen: z.array(z.string().min(1)).min(1),
  keyFile: z.string().min(1),
  bootstrap: z.array(z.string().min(1)),
  leaseSeconds: z.coerce.number({ error: "--lease must be a number of seconds" }).positive("--lease must be above 0"),
});
export type SwarmOptions = z.infer<typeof SwarmOptionsSchema>;

export function swarmOptionsFrom(
  values: { listen?: string[]; key?: string; bootstrap?: string[]; lease?: string },
  env: DellmEnv,
  defaultKeyFile: string,
): SwarmOptions {
  const parsed = SwarmOptionsSchema.safeParse({
    listen: values.listen?.length ? values.listen : [env.DELLM_LISTEN ?? DEFAULT_LISTEN],
    keyFile: values.key ?? defaultKeyFile,
    bootstrap: values.bootstrap?.length ? values.bootstrap : bootstrapPeersFrom(env),
    leaseSeconds: values.lease ?? env.DELLM_LEASE_SECONDS,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("\n"));
  return parsed.data;
}

export interface RunningCoordinator {
  node: SwarmNode;
  coordinator: SwarmCoordinator;
  /** The command a volunteer runs to join this coordinator. */
  joinCommand: string;
  stop(): Promise<void>;
}

/** Start the bot's node and coordinator, and print how workers join it. */
export async function startCoordinator(options: SwarmOptions, env: DellmEnv, log: (line: string) => void): Promise<RunningCoordinator> {
  const { node, privateKey, identity } = await startNode(options);
  try {
    const statePath = join(env.DELLM_STATE_DIR, "coordinator.json");
    const coordinator = await SwarmCoordinator.start({
      node,
      privateKey,
      statePath,
      leaseSeconds: options.leaseSeconds,
      onEvent: (event) => log(describeCoordinatorEvent(event)),
    });
    announceNode(node, `coordinator (identity ${identity} in ${options.keyFile})`, log);
    const joinCommand = `dellm-worker --bootstrap ${dialableAddresses(node)[0]} --coordinator ${node.peerId}`;
    log(`[swarm] workers join with: ${joinCommand}`);
    for (const jobId of coordinator.jobIds()) {
      const board = coordinator.board(jobId)!;
      log(`[swarm] job ${jobId} from an earlier run is still open (${board.results().size}/${board.tasks.length} results kept in ${statePath})`);
    }
    return {
      node,
      coordinator,
      joinCommand,
      async stop() {
        await coordinator.stop();
        await node.stop();
      },
    };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

function announceNode(node: SwarmNode, what: string, log: (line: string) => void): void {
  log(`[swarm] ${what}: peer id ${node.peerId}`);
  for (const address of dialableAddresses(node)) log(`[swarm] listening on ${address}`);
  node.addEventListener("peer:connect", (event) => log(`[swarm] peer ${event.detail} connected (${node.getPeers().length} peers)`));
}

/** `dellm bootstrap`: a bare DHT node that bots and workers can join; runs until Ctrl-C. */
export async function bootstrapCommand(argv: string[], env: DellmEnv, log: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: swarmFlags });
  if (positionals.length > 0) throw new UsageError(`dellm bootstrap takes no arguments, got "${positionals.join(" ")}"`);
  const options = swarmOptionsFrom(values, env, join(env.DELLM_STATE_DIR, "bootstrap.key"));
  const { node, identity } = await startNode(options);
  announceNode(node, `bootstrap node (identity ${identity} in ${options.keyFile})`, log);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  log("[swarm] stopping");
  await node.stop();
  return 0;
}
