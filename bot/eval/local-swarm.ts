// A swarm on loopback inside this process: the bot's coordinator node and N worker nodes, each a
// real libp2p node claiming over the coordinator protocol, sharing one model and one sandbox.
// `dellm eval` measures the product through it; the network path is the one volunteers use.
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import type { CodeModel } from "../../shared/model/code-model.js";
import { TaskExecutor } from "../../worker/executor.js";
import { SwarmTaskBoard } from "../../worker/swarm-task-board.js";
import { runWorkerLoop, type WorkerEvent } from "../../worker/worker-loop.js";
import { dialableAddresses, startNode } from "../../shared/swarm/start-node.js";
import { SwarmCoordinator, type CoordinatorEvent } from "../swarm/coordinator.js";

export interface LocalSwarmOptions {
  workers: number;
  model: CodeModel;
  sandbox: Sandbox;
  repairAttempts: number;
  onCoordinatorEvent?: (event: CoordinatorEvent) => void;
  onWorkerEvent?: (event: WorkerEvent) => void;
}

export interface LocalSwarm {
  coordinator: SwarmCoordinator;
  stop(): Promise<void>;
}

export async function startLocalSwarm(options: LocalSwarmOptions): Promise<LocalSwarm> {
  const listen = ["/ip4/127.0.0.1/tcp/0"];
  const bot = await startNode({ listen, bootstrap: [] });
  const coordinator = await SwarmCoordinator.start({
    node: bot.node,
    privateKey: bot.privateKey,
    onEvent: options.onCoordinatorEvent,
  });
  const stopping = new AbortController();
  const workers: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    stopping.abort();
    for (const worker of workers) await worker.stop();
    await coordinator.stop();
    await bot.node.stop();
  };
  try {
    for (let i = 1; i <= options.workers; i++) {
      const workerId = `eval-worker-${i}`;
      const { node, privateKey } = await startNode({ listen, bootstrap: [dialableAddresses(bot.node)[0]!] });
      const board = await SwarmTaskBoard.join({ node, privateKey, coordinator: bot.node.peerId.toString() }).catch(
        async (error: unknown) => {
          await node.stop();
          throw error;
        },
      );
      const executor = new TaskExecutor({
        model: options.model,
        sandbox: options.sandbox,
        workerId,
        repairAttempts: options.repairAttempts,
      });
      const loop = runWorkerLoop({
        board,
        executor,
        workerId,
        signal: stopping.signal,
        onEvent: options.onWorkerEvent,
      });
      workers.push({
        async stop() {
          await loop.catch(() => {});
          await board.close();
          await node.stop();
        },
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { coordinator, stop };
}
