// The bot's side of the swarm in the network lab: a DHT server node and the real SwarmCoordinator,
// driven over stdin, reporting on stdout as JSON lines (times on the machine's clock).
// argv[2]: JSON { listen, keyFile, databasePath, leaseSeconds, bootstrap?: string[] } (databasePath:
// the state database the coordinator keeps its boards in, as the bot's dellm.db)
// stdin: {"cmd":"job","tasks":n,"taskMs"?:ms} adds a job; {"cmd":"puts","count":n} times n DHT puts;
// {"cmd":"stats"} prints failed dials and peers. Prints "ready <address>" once it serves.
import { newJobId } from "../../shared/schemas.js";
import { loadOrCreateIdentity } from "../../shared/swarm/identity.js";
import { recordKey, signRecord } from "../../shared/swarm/signed-record.js";
import { createSwarmNode } from "../../shared/swarm/swarm-node.js";
import { SwarmCoordinator } from "../../bot/swarm/coordinator.js";
import { openStateDatabase } from "../../bot/state/database.js";
import { taskFixture } from "../fixtures.js";
import { createInterface } from "node:readline";

interface LabCoordinatorOptions {
  listen: string;
  keyFile: string;
  databasePath: string;
  leaseSeconds: number;
  bootstrap?: string[];
}

const options = JSON.parse(process.argv[2]!) as LabCoordinatorOptions;
const now = () => performance.timeOrigin + performance.now();
const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

let failedDials = 0;
const { privateKey } = await loadOrCreateIdentity(options.keyFile);
const node = await createSwarmNode({
  privateKey,
  listen: [options.listen],
  bootstrap: options.bootstrap ?? [],
  privateNetwork: true,
  onDialFailed: () => failedDials++,
});
const database = await openStateDatabase(options.databasePath);
const coordinator = await SwarmCoordinator.start({
  node,
  privateKey,
  database,
  leaseSeconds: options.leaseSeconds,
  onEvent: (event) => {
    if (event.kind === "claimed")
      print({ event: "claimed", at: now(), job: event.jobId, task: event.taskId, peer: event.peer });
    else if (event.kind === "result-accepted")
      print({ event: "accepted", at: now(), job: event.jobId, task: event.taskId, worker: event.workerId });
    else if (event.kind === "lease-expired")
      print({ event: "lease-expired", at: now(), job: event.jobId, task: event.taskId });
    else if (event.kind === "refused")
      print({ event: "refused", at: now(), request: event.request, reason: event.reason });
  },
});

async function timePuts(count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const jobId = newJobId();
    const key = recordKey("status", jobId);
    const bytes = await signRecord(privateKey, key, { job_id: jobId, status: "running", done: [] });
    const started = performance.now();
    await node.contentRouting.put(new TextEncoder().encode(key), bytes, { signal: AbortSignal.timeout(30_000) });
    times.push(Math.round(performance.now() - started));
  }
  return times;
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const command = JSON.parse(line) as { cmd: string; tasks?: number; count?: number; taskMs?: number };
  if (command.cmd === "job") {
    const jobId = newJobId();
    // `taskMs`: how long lab workers take over each task (they read it from the description).
    const tasks = Array.from({ length: command.tasks ?? 1 }, (_, i) => ({
      ...taskFixture(i + 1),
      ...(command.taskMs !== undefined ? { description: `task ${i + 1} lab-task-ms=${command.taskMs}` } : {}),
    }));
    const at = now();
    const board = coordinator.addJob(jobId, "network lab", tasks);
    print({ event: "published", at, job: jobId });
    void board.waitForResults(600_000).then(({ timedOut }) => {
      const results = [...board.results()].map(([task, result]) => ({ task, worker: result.worker_id }));
      print({ event: "finished", at: now(), job: jobId, timedOut, results });
    });
  } else if (command.cmd === "puts") {
    void timePuts(command.count ?? 1).then((times) => print({ event: "puts", times }));
  } else if (command.cmd === "stats") {
    print({ event: "stats", failedDials, peers: node.getPeers().length });
  }
});

const stop = async () => {
  await coordinator.stop();
  database.close();
  await node.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
print({ event: "ready", address: `${node.getMultiaddrs()[0]!.toString()}`, peer: node.peerId.toString() });
