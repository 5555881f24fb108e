// A volunteer in the network lab: the real swarm path of dellm-worker (node, SwarmTaskBoard, DHT
// mode by dial-back, the worker loop) with a fixed-duration stand-in for model and sandbox, so the
// network is what is measured. One JSON line per event on stdout, times on the machine's clock.
// argv[2]: JSON { bootstrap: string[], coordinator, workerId, taskMs, dht: "auto"|"client"|"server", listen? }
// stdin "stats" prints {event:"stats"}; SIGINT stops after releasing the task in hand.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromString } from "@libp2p/peer-id";
import { createInterface } from "node:readline";
import { settleDhtMode, type DhtModeChoice } from "../../shared/swarm/dht-mode.js";
import { createSwarmNode } from "../../shared/swarm/swarm-node.js";
import { SwarmTaskBoard } from "../../worker/swarm-task-board.js";
import { runWorkerLoop } from "../../worker/worker-loop.js";
import { fixedDurationExecutor } from "../../bench/fixed-duration-executor.js";

interface LabWorkerOptions {
  bootstrap: string[];
  coordinator: string;
  workerId: string;
  taskMs: number;
  dht: DhtModeChoice;
  listen?: string[];
}

const options = JSON.parse(process.argv[2]!) as LabWorkerOptions;
const now = () => performance.timeOrigin + performance.now();
const print = (line: Record<string, unknown>) => console.log(JSON.stringify({ worker: options.workerId, ...line }));

const started = now();
let failedDials = 0;
const privateKey = await generateKeyPair("Ed25519");
const node = await createSwarmNode({
  privateKey,
  listen: options.listen ?? ["/ip4/0.0.0.0/tcp/0"],
  bootstrap: options.bootstrap,
  privateNetwork: true,
  dhtMode: options.dht === "server" ? "server" : "client",
  onDialFailed: () => failedDials++,
});
const board = await SwarmTaskBoard.join({
  node,
  privateKey,
  coordinator: options.coordinator,
  claimWaitMs: 20_000,
  onEvent: (event) => {
    if (["task-record", "lease-lost", "coordinator-unreachable", "coordinator-found"].includes(event.kind))
      print({ event: event.kind, at: now(), detail: event });
  },
});
const dht = await settleDhtMode(node, options.dht, peerIdFromString(options.coordinator));
print({
  event: "joined",
  at: now(),
  startedAt: started,
  ms: Math.round(now() - started),
  dht,
  peer: node.peerId.toString(),
});

const stats = () =>
  print({
    event: "stats",
    failedDials,
    taskRecords: board.taskRecords,
    dhtMode: node.services.dht.getMode(),
    peers: node.getPeers().length,
  });
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "stats") stats();
});

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
await runWorkerLoop({
  board,
  executor: {
    // A job may say how long its tasks take ("lab-task-ms=<ms>" in the description).
    execute: (item) => {
      const ms = /lab-task-ms=(\d+)/.exec(item.task.description)?.[1];
      return fixedDurationExecutor(options.workerId, ms ? Number(ms) : options.taskMs).execute(item);
    },
  },
  workerId: options.workerId,
  pollMs: 2_000,
  signal: stop.signal,
  onEvent: (event) => {
    if (event.kind === "claimed")
      print({ event: "claimed", at: now(), job: event.item.jobId, task: event.item.task.id });
    if (event.kind === "submitted")
      print({ event: "submitted", at: now(), job: event.result.job_id, task: event.result.task_id });
    if (event.kind === "submit-refused")
      print({ event: "submit-refused", at: now(), task: event.taskId, reason: event.reason });
  },
});
stats();
await board.close();
await node.stop();
process.exit(0);
