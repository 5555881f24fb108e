// `dellm-worker`: a volunteer's process. Joins the swarm and finds the pinned coordinator first
// (so a wrong address fails before a long model load), then claims tasks, solves them with the local model, tests them in the Docker sandbox and sends the
// results back, until Ctrl-C (which releases the task in hand).
import { LlamaCodeModel } from "./model/llama-code-model.js";
import { GenerationVerifier } from "./verify/generation-verifier.js";
import { showUntrusted } from "../shared/display.js";
import { getPriority } from "node:os";
import { z } from "zod";
import { readCommandLine, type CommandLine, type Flags } from "../shared/command-line.js";
import { bootstrapPeersFrom, presentVariables, type DellmEnv } from "../shared/config.js";
import { startNode } from "../shared/swarm/start-node.js";
import { settleDhtMode } from "../shared/swarm/dht-mode.js";
import { peerIdFromString } from "@libp2p/peer-id";
import type { CodeModel } from "../shared/model/code-model.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { SetupImages } from "../shared/sandbox/setup-image.js";
import { sweepLeftoverContainers } from "../shared/sandbox/leftover-containers.js";
import { TaskExecutor } from "./executor.js";
import { setupPreparer } from "./repository-setup.js";
import { modelSpecSchema } from "./model/known-models.js";
import { gpuOptionSchema } from "./model/llama-backend.js";
import { openCodeModelForCommand } from "./model/open-code-model.js";
import { DEFAULT_CACHE_MB, defaultCacheDir, SnapshotCache } from "./snapshot-cache.js";
import { DEFAULT_MAX_SNAPSHOT_MB, DEFAULT_MAX_TEST_TIMEOUT_SECONDS } from "./snapshot-fetcher.js";
import { DEFAULT_WORKER_NICE, defaultWorkerThreads, describeCitizenship, lowerPriority } from "./good-citizen.js";
import { describeWorkerEvent, printLines } from "./progress-lines.js";
import { SwarmTaskBoard, type SwarmBoardEvent } from "./swarm-task-board.js";
import { runWorkerLoop } from "./worker-loop.js";

export const WORKER_USAGE = `Usage:
  dellm-worker --bootstrap <multiaddr> --coordinator <peer id> [options]
  dellm-worker doctor [the same options] [--fix]   check this machine first (dellm-worker doctor --help)

Joins a dellm swarm, claims tasks from the bot (the coordinator), solves them with the local
model, tests the code in the Docker sandbox and sends the results back. Ctrl-C releases the
task in hand and leaves; a second Ctrl-C quits at once.

Options:
  --bootstrap <addr>       a swarm node to join, e.g. the address the bot prints (repeatable;
                           default DELLM_BOOTSTRAP_PEERS)
  --coordinator <peer id>  the bot's peer id, the part after /p2p/ (default DELLM_COORDINATOR)
  --worker-id <name>       name shown in results (default WORKER_ID or this node's peer id)
  --model <spec>           .gguf path, hf: URI, script:<file.json>, or a short name:
                           qwen2.5-coder-1.5b (the default) or qwen2.5-1.5b (the seed's)
                           (default MODEL_PATH, else qwen2.5-coder-1.5b)
  --threads <n>            CPU threads for the model (default MODEL_THREADS, else half this
                           machine's cores, at least 1, so the volunteer keeps the rest)
  --nice <n>               the worker's CPU priority, 0 (normal) to 19 (lowest): the volunteer's
                           own programs come first (default ${DEFAULT_WORKER_NICE})
  --normal-priority        keep normal CPU priority (the same as --nice 0)
  --gpu <where>            auto | off | cuda | vulkan | metal (default DELLM_GPU or auto: a
                           usable GPU, else the CPU; the start line says which and how many layers)
  --image <name>           sandbox image (default DELLM_SANDBOX_IMAGE or dellm-sandbox:latest)
  --no-setup               run no repository's setup commands (setup in .github/dellm.yml, e.g.
                           pip install): the bot then gives this worker no task of such a job
  --no-checks              check no other volunteer's answers (by default a worker with a real
                           model also checks, for bots without a copy of it, that other volunteers'
                           files are their model's answers; never its own)
  --setup-network          let those setup commands reach the network (pip install from PyPI)
                           through this machine; without it, jobs whose setup needs it are not
                           given to this worker
  --repairs <n>            regenerations after failing tests (default 2)
  --key <file>             identity key file (default: a new identity each run)
  --listen <addr>          where this node listens (default DELLM_LISTEN or /ip4/0.0.0.0/tcp/0)
  --dht-client             never serve the DHT (for a machine others cannot dial)
  --dht-server             always serve the DHT (a machine with a public address and open port)
                           Default: ask the bot to dial this machine back, and serve the DHT only
                           when that dial arrives (a volunteer behind a NAT stays a client)
  --poll <s>               seconds between claims when nothing is announced (default 2)
  --cache-dir <dir>        where repository snapshots are kept between tasks and runs (default
                           $XDG_CACHE_HOME/dellm/snapshots, else ~/.cache/dellm/snapshots)
  --cache-mb <n>           size cap of that cache in MiB; the least recently used go first
                           (default ${DEFAULT_CACHE_MB})
  --max-snapshot-mb <n>    the largest repository snapshot this worker fetches and holds in memory,
                           in MiB; a bigger one is refused before anything is allocated and its
                           job left (default ${DEFAULT_MAX_SNAPSHOT_MB})
  --max-test-timeout <s>   the longest repository test run (its test_timeout_seconds) this worker
                           accepts; a job asking more is left (default ${DEFAULT_MAX_TEST_TIMEOUT_SECONDS})
  -h, --help               this text`;

export const WorkerOptionsSchema = z.object({
  bootstrap: z
    .array(z.string())
    .min(1, "give --bootstrap <multiaddr> (the address the bot prints) or set DELLM_BOOTSTRAP_PEERS"),
  coordinator: z
    .string({
      error: "give --coordinator <peer id> (the part after /p2p/ in the bot's address) or set DELLM_COORDINATOR",
    })
    .min(1),
  workerId: z.string().min(1).max(200).optional(),
  model: modelSpecSchema,
  threads: z.coerce.number().int().positive("--threads must be above 0"),
  /** The nice value the worker runs at (0: normal priority). */
  nice: z.coerce
    .number()
    .int("--nice is a whole number")
    .min(0, "--nice must be 0 (normal) to 19 (lowest)")
    .max(19, "--nice must be 0 (normal) to 19 (lowest)"),
  gpu: gpuOptionSchema,
  image: z.string().min(1),
  repairs: z.coerce.number().int().min(0, "--repairs must be 0 or more"),
  key: z.string().min(1).optional(),
  listen: z.array(z.string().min(1)).min(1),
  poll: z.coerce.number().positive("--poll must be above 0"),
  cacheDir: z.string().min(1),
  cacheMb: z.coerce.number().positive("--cache-mb must be above 0"),
  maxSnapshotMb: z.coerce
    .number()
    .positive("--max-snapshot-mb must be above 0")
    .max(2048, "--max-snapshot-mb can be at most 2048 (a snapshot's manifest allows no more)"),
  maxTestTimeout: z.coerce
    .number()
    .int("--max-test-timeout is whole seconds")
    .min(1, "--max-test-timeout must be at least 1")
    .max(3_600, "--max-test-timeout can be at most 3600"),
  /** Whether repository setup commands are run here (false: --no-setup). */
  setup: z.boolean(),
  /** Whether setup commands may reach the network (--setup-network). */
  setupNetwork: z.boolean(),
  /** Whether this worker checks other volunteers' answers (false: --no-checks). */
  checks: z.boolean(),
  /** Whether this node serves the DHT: "auto" asks the bot to dial it back (shared/swarm/dht-mode.ts). */
  dht: z.enum(["auto", "server", "client"], { error: "give --dht-server or --dht-client, not both" }),
});
export type WorkerOptions = z.infer<typeof WorkerOptionsSchema>;

/** The worker's flags; `dellm-worker doctor` takes the same ones (so the join line works with it). */
export const WORKER_FLAGS = {
  bootstrap: { type: "string", multiple: true },
  coordinator: { type: "string" },
  "worker-id": { type: "string" },
  model: { type: "string" },
  threads: { type: "string" },
  nice: { type: "string" },
  "normal-priority": { type: "boolean", default: false },
  gpu: { type: "string" },
  image: { type: "string" },
  repairs: { type: "string" },
  key: { type: "string" },
  listen: { type: "string", multiple: true },
  poll: { type: "string", default: "2" },
  "cache-dir": { type: "string" },
  "cache-mb": { type: "string", default: String(DEFAULT_CACHE_MB) },
  "max-snapshot-mb": { type: "string", default: String(DEFAULT_MAX_SNAPSHOT_MB) },
  "max-test-timeout": { type: "string", default: String(DEFAULT_MAX_TEST_TIMEOUT_SECONDS) },
  setup: { type: "boolean", default: true }, // --no-setup turns it off
  checks: { type: "boolean", default: true }, // --no-checks turns it off
  "setup-network": { type: "boolean", default: false },
  "dht-server": { type: "boolean", default: false },
  "dht-client": { type: "boolean", default: false },
} as const satisfies Flags;

type WorkerFlagValues = Parameters<CommandLine<typeof WORKER_FLAGS, typeof WorkerOptionsSchema>["input"]>[0];

/**
 * The schema's input from the flags with the environment's fallbacks. `variables` are the raw
 * variables: MODEL_THREADS counts only when really set (its general default, up to 4 cores, is
 * more than a volunteer's worker takes by default).
 */
export function workerInput(values: WorkerFlagValues, env: DellmEnv, variables: NodeJS.ProcessEnv) {
  return {
    bootstrap: values.bootstrap?.length ? values.bootstrap : bootstrapPeersFrom(env),
    coordinator: values.coordinator ?? env.DELLM_COORDINATOR,
    workerId: values["worker-id"] ?? env.WORKER_ID,
    model: values.model ?? env.MODEL_PATH,
    threads: values.threads ?? (presentVariables(variables).MODEL_THREADS ? env.MODEL_THREADS : defaultWorkerThreads()),
    nice: values["normal-priority"] ? 0 : (values.nice ?? DEFAULT_WORKER_NICE),
    gpu: values.gpu ?? env.DELLM_GPU,
    image: values.image ?? env.DELLM_SANDBOX_IMAGE,
    repairs: values.repairs ?? env.DELLM_REPAIR_ATTEMPTS,
    key: values.key,
    listen: values.listen?.length ? values.listen : [env.DELLM_LISTEN ?? "/ip4/0.0.0.0/tcp/0"],
    poll: values.poll,
    cacheDir: values["cache-dir"] ?? defaultCacheDir(),
    cacheMb: values["cache-mb"],
    maxSnapshotMb: values["max-snapshot-mb"],
    maxTestTimeout: values["max-test-timeout"],
    setup: values.setup,
    setupNetwork: values["setup-network"],
    checks: values.checks,
    dht: values["dht-server"] ? (values["dht-client"] ? "both" : "server") : values["dht-client"] ? "client" : "auto",
  };
}

/** `variables`: the raw environment (default: none set), see workerInput. */
export function parseWorkerArgs(argv: string[], env: DellmEnv, variables: NodeJS.ProcessEnv = {}): WorkerOptions {
  return readCommandLine(argv, {
    command: "dellm-worker",
    flags: WORKER_FLAGS,
    schema: WorkerOptionsSchema,
    input: (values) => workerInput(values, env, variables),
  }).options;
}

export function describeBoardEvent(event: SwarmBoardEvent): string | null {
  switch (event.kind) {
    case "coordinator-found":
      return `[worker] coordinator ${event.peer} reached`;
    case "board-read":
      return `[worker] the coordinator's board lists ${event.jobs} job(s) with ready tasks`;
    case "coordinator-unreachable":
      return event.left
        ? "[worker] the coordinator left the swarm (its bot stopped or is restarting); waiting for it to come back (Ctrl-C to stop)"
        : `[worker] cannot reach the coordinator (${event.reason}); trying again`;
    case "lease-lost":
      return `[worker] lost the lease on task ${event.taskId} of ${event.jobId}: ${event.reason}`;
    case "snapshot-fetched":
      return `[worker] repository snapshot ${event.snapshot.slice(0, 12)}… fetched: ${(event.bytes / 2 ** 20).toFixed(1)} MiB in ${event.chunks} chunk(s), ${event.seconds.toFixed(2)} s`;
    case "chunk-refused":
      return `[worker] refused chunk ${event.index + 1} of snapshot ${event.snapshot.slice(0, 12)}… (try ${event.attempt}): ${event.reason}`;
    case "snapshot-failed":
      return event.left
        ? `[worker] left job ${event.jobId}: its repository could not be made ready here (${event.reason}); task ${event.taskId} released`
        : `[worker] released task ${event.taskId} of ${event.jobId}: no repository snapshot (${event.reason})`;
    case "grant-refused":
      return `[worker] left job ${event.jobId}: ${event.reason}; task ${event.taskId} released`;
    case "answer-checked":
      return `[worker] checked another volunteer's answer to task ${event.taskId} of ${event.jobId}: ${event.status}${event.reason ? ` (${showUntrusted(event.reason.slice(0, 200))})` : ""}`;
    case "task-record":
      // Read from the DHT is the normal case; only the fallback is worth a line.
      return event.from === "grant"
        ? `[worker] task ${event.taskId} of ${event.jobId}: its DHT record could not be read (${showUntrusted((event.reason ?? "").slice(0, 200))}); working from the grant's copy`
        : null;
    default:
      return null;
  }
}

export async function workerCommand(
  argv: string[],
  env: DellmEnv,
  log: (line: string) => void = console.log,
  variables: NodeJS.ProcessEnv = {},
): Promise<number> {
  const options = parseWorkerArgs(argv, env, variables);
  // First, before the model's threads exist: they inherit the priority of the thread starting them.
  let nice = getPriority();
  try {
    if (options.nice > 0) nice = lowerPriority(options.nice);
  } catch (error) {
    log(`[worker] could not lower the CPU priority (${(error as Error).message}); running at normal priority`);
  }
  log(describeCitizenship(nice, options.threads));
  const sandbox = new DockerSandbox({ image: options.image, timeoutSeconds: env.DOCKER_TIMEOUT });
  await sandbox.check();
  await sweepLeftoverContainers(); // sandbox/setup containers a killed earlier worker left behind
  let model: CodeModel | undefined;
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130);
    log("[worker] stopping: releasing the task in hand (Ctrl-C again to quit at once)");
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const { node, privateKey, identity } = await startNode({
      keyFile: options.key,
      listen: options.listen,
      bootstrap: options.bootstrap,
      // Until the bot has dialled it back, a volunteer's node only asks the DHT (dht-mode.ts).
      dhtMode: options.dht === "server" ? "server" : "client",
    });
    try {
      const workerId = options.workerId ?? node.peerId.toString();
      log(
        `[worker] joined the swarm as ${node.peerId} (identity ${identity}; worker id ${workerId}); ${node.getPeers().length} peer(s)`,
      );
      node.addEventListener("peer:connect", (event) =>
        log(`[worker] peer ${event.detail} connected (${node.getPeers().length} peers)`),
      );
      const board = await SwarmTaskBoard.join({
        node,
        privateKey,
        coordinator: options.coordinator,
        snapshotCache: new SnapshotCache({ dir: options.cacheDir, maxBytes: options.cacheMb * 2 ** 20 }),
        maxSnapshotBytes: Math.floor(options.maxSnapshotMb * 2 ** 20),
        maxTestTimeoutSeconds: options.maxTestTimeout,
        ...(options.setup
          ? {
              prepareRepository: setupPreparer(
                new SetupImages({ baseImage: options.image, scope: `coordinator ${options.coordinator}` }),
                (line) => log(`[worker] ${line}`),
                options.setupNetwork,
              ),
              setupNetwork: options.setupNetwork,
            }
          : {}),
        onEvent: printLines(describeBoardEvent, log),
      });
      const dht = await settleDhtMode(node, options.dht, peerIdFromString(options.coordinator));
      log(`[worker] DHT ${dht.mode} (${dht.reason})`);
      model = await openCodeModelForCommand(options.model, options.threads, env, log, { gpu: options.gpu });
      // Jobs name their model: claims say which one this worker runs (hashed once, then cached).
      const sha256 = await model.modelSha256?.();
      board.runsModel(sha256 ? { sha256, contextSize: model.contextSize } : undefined);
      // A real model also checks other volunteers' answers for bots without a copy of it (issue 22).
      if (options.checks && model instanceof LlamaCodeModel)
        board.checksWith(new GenerationVerifier({ model, by: node.peerId.toString() }));
      const executor = new TaskExecutor({ model, sandbox, workerId, repairAttempts: options.repairs });
      log(`[worker] waiting for tasks (model ${model.name})`);
      try {
        await runWorkerLoop({
          board,
          executor,
          workerId,
          pollMs: options.poll * 1000,
          signal: stop.signal,
          onEvent: printLines(describeWorkerEvent, log),
        });
      } finally {
        await board.close();
      }
    } finally {
      await node.stop();
    }
    log("[worker] left the swarm");
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await model?.dispose();
  }
}
