// The bot's swarm node and coordinator (dellm run --swarm, dellm serve), and the lines that tell a
// person where it listens and how volunteers join it. The coordinator keeps its boards in the
// command's state database (one file for all the bot's state); an older bot's coordinator.json is
// imported into it once.
import type { DatabaseSync } from "node:sqlite";
import type { DellmEnv } from "../../shared/config.js";
import { joinAddress } from "../../shared/swarm/join-address.js";
import { dialableAddresses, startNode, type StartNodeOptions } from "../../shared/swarm/start-node.js";
import type { SwarmNode } from "../../shared/swarm/swarm-node.js";
import { describeCoordinatorEvent } from "./progress-printer.js";
import { importCoordinatorFile } from "../swarm/coordinator-import.js";
import { CoordinatorStore } from "../swarm/coordinator-store.js";
import { SwarmCoordinator, type CoordinatorOptions, type JobModel } from "../swarm/coordinator.js";
import type { ResultVetting } from "../swarm/result-vetting.js";

export interface RunningCoordinator {
  node: SwarmNode;
  coordinator: SwarmCoordinator;
  /** The command a volunteer runs to join this coordinator. */
  joinCommand: string;
  stop(): Promise<void>;
}

/** Start the bot's node and coordinator, and print how workers join it. */
export async function startCoordinator(
  options: StartNodeOptions & {
    leaseSeconds: number;
    /** The state database (stateDatabasePath(DELLM_STATE_DIR)); the caller closes it after stop(). */
    database: DatabaseSync;
    announce?: string;
    vetting?: ResultVetting;
    jobModel?: JobModel;
    volunteerChecks?: CoordinatorOptions["volunteerChecks"];
  },
  env: DellmEnv,
  log: (line: string) => void,
): Promise<RunningCoordinator> {
  // Before the node starts: a damaged old file stops the bot with nothing to clean up.
  const store = new CoordinatorStore(options.database);
  await importCoordinatorFile(store, env.DELLM_STATE_DIR, log);
  const { node, privateKey, identity } = await startNode(options);
  try {
    const coordinator = await SwarmCoordinator.start({
      node,
      privateKey,
      database: options.database,
      leaseSeconds: options.leaseSeconds,
      trustedPeers: env.DELLM_TRUSTED_WORKERS,
      vetting: options.vetting,
      jobModel: options.jobModel,
      volunteerChecks: options.volunteerChecks,
      onEvent: (event) => log(describeCoordinatorEvent(event)),
    });
    announceNode(node, `coordinator (identity ${identity} in ${options.keyFile})`, log);
    const joining = joinAddress(dialableAddresses(node), node.peerId.toString(), options.announce);
    const joinCommand = `dellm-worker --bootstrap ${joining.address} --coordinator ${node.peerId}`;
    log(`[swarm] workers join with: ${joinCommand}`);
    if (!joining.reachableFromOtherMachines) {
      log(
        "[swarm] (this node listens on loopback only, so that command works on this machine only; for other machines listen on /ip4/0.0.0.0/tcp/4001 and, behind NAT, add --announce /ip4/<public ip>/tcp/4001)",
      );
    }
    for (const jobId of coordinator.jobIds()) {
      const board = coordinator.board(jobId)!;
      log(
        `[swarm] job ${jobId} from an earlier run is still open (${board.results().size}/${board.tasks.length} results kept in ${store.path})`,
      );
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

export function announceNode(node: SwarmNode, what: string, log: (line: string) => void): void {
  log(`[swarm] ${what}: peer id ${node.peerId}`);
  for (const address of dialableAddresses(node)) log(`[swarm] listening on ${address}`);
  node.addEventListener("peer:connect", (event) =>
    log(`[swarm] peer ${event.detail} connected (${node.getPeers().length} peers)`),
  );
}
