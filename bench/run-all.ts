// `npm run bench`: every benchmark, figures printed and written to bench/results.json.
// Pass names to run some: npm run bench -- sandbox generation
// (`snapshot`: a 20 MB repository snapshot to 3 workers, see bench/snapshot.ts;
// `task`: per-task latency on the worker's real path against llama.cpp's llama-bench; see bench/task-latency.ts;
// `lookup`: what prompt-lookup decoding gains on this CPU for answers that copy the prompt; bench/prompt-lookup.ts;
// `flood`: `dellm serve`'s memory and log under a 200 MB forged webhook; bench/webhook-flood.ts;
// `verify`: the generation check's time against generating the answer; bench/generation-check.ts;
// `jobs`: the App's job store in SQLite, its size after 1,000 jobs and the time of a save; bench/job-store.ts;
// `load`: `dellm serve` under 100 labelled issues across 20 repositories in 10 s; bench/load.ts;
// `netlab`: 20 volunteers behind NATs at 50 ms against loopback, DHT client vs server mode; bench/netlab.ts;
// `checks`: a volunteer's tasks/min with no generation checks, spot checks and every result checked; bench/swarm-checks.ts;
// `follow-up`: /dellm <instruction> → acknowledgment and → new commit, and API calls per follow-up; bench/follow-up.ts)
import { readFile, writeFile } from "node:fs/promises";
import { benchGeneration } from "./generation.js";
import { benchGenerationCheck } from "./generation-check.js";
import { benchJobStore } from "./job-store.js";
import { benchLoad, printLoad } from "./load.js";
import { benchNetLab } from "./netlab.js";
import { benchSwarmChecks } from "./swarm-checks.js";
import { benchFollowUp } from "./follow-up.js";
import { benchPromptLookup } from "./prompt-lookup.js";
import { benchSandbox } from "./sandbox.js";
import { benchSnapshot } from "./snapshot.js";
import { benchSwarm } from "./swarm.js";
import { benchTaskLatency } from "./task-latency.js";
import { benchWebhookFlood } from "./webhook-flood.js";

const benches = {
  sandbox: () => benchSandbox(),
  generation: () => benchGeneration(),
  swarm: () => benchSwarm(),
  snapshot: () => benchSnapshot(),
  task: () => benchTaskLatency(),
  lookup: () => benchPromptLookup(),
  flood: () => benchWebhookFlood(),
  verify: () => benchGenerationCheck(),
  jobs: () => benchJobStore(),
  netlab: () => benchNetLab(),
  checks: () => benchSwarmChecks(),
  "follow-up": () => benchFollowUp(),
  load: async () => {
    const figures = await benchLoad();
    printLoad(figures);
    return figures;
  },
} as const;
type BenchName = keyof typeof benches;

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in benches));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; choose from ${Object.keys(benches).join(", ")}`);
  process.exit(2);
}
const names = (requested.length ? requested : Object.keys(benches)) as BenchName[];
// Figures of benchmarks not run this time are kept from the last run (each keeps its own date).
const results: Record<string, unknown> = await readFile("bench/results.json", "utf8")
  .then((text) => JSON.parse(text) as Record<string, unknown>)
  .catch(() => ({}));
Object.assign(results, { date: new Date().toISOString(), node: process.version });
for (const name of names) {
  console.log(`[bench] ${name} ...`);
  results[name] = { date: new Date().toISOString(), ...((await benches[name]()) as object) };
}
await writeFile("bench/results.json", `${JSON.stringify(results, null, 2)}\n`);
console.log("[bench] figures written to bench/results.json");
process.exit(0);
