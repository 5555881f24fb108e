// One benchmark worker process: joins the swarm, then claims and "solves" tasks in a fixed time.
// argv: <bootstrap multiaddr> <coordinator peer id> <worker id> <task ms>; prints "ready" once
// joined, then one JSON line per claim with the wall-clock time it arrived (same machine clock).
import { generateKeyPair } from "@libp2p/crypto/keys";
import { createSwarmNode } from "../shared/swarm/swarm-node.js";
import { SwarmTaskBoard } from "../worker/swarm-task-board.js";
import { runWorkerLoop } from "../worker/worker-loop.js";
import { fixedDurationExecutor } from "./fixed-duration-executor.js";

const [address, coordinator, workerId, taskMs] = process.argv.slice(2) as [string, string, string, string];
const privateKey = await generateKeyPair("Ed25519");
const node = await createSwarmNode({ privateKey, bootstrap: [address] });
const board = await SwarmTaskBoard.join({ node, privateKey, coordinator });
const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
console.log("ready");
await runWorkerLoop({
  board,
  executor: fixedDurationExecutor(workerId, Number(taskMs)),
  workerId,
  pollMs: 2_000,
  signal: stop.signal,
  onEvent: (event) => {
    if (event.kind === "claimed")
      console.log(JSON.stringify({ claimed: event.item.jobId, at: performance.timeOrigin + performance.now() }));
  },
});
await board.close();
await node.stop();
process.exit(0);
