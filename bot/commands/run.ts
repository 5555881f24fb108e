// `dellm run "<request>" --repo <path> [--swarm]`: the whole pipeline with progress, its workers
// in this process or (--swarm) volunteers' dellm-worker processes.
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { readCommandLine } from "../../shared/command-line.js";
import type { DellmEnv } from "../../shared/config.js";
import type { CodeModel } from "../../shared/model/code-model.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { UsageError } from "../../shared/usage-error.js";
import { TaskExecutor } from "../../worker/executor.js";
import { modelSpecSchema } from "../../worker/model/known-models.js";
import { gpuOptionSchema } from "../../worker/model/llama-backend.js";
import { openCodeModelForCommand } from "../../worker/model/open-code-model.js";
import { LlamaCodeModel } from "../../worker/model/llama-code-model.js";
import { GenerationVerifier, jobModelOf } from "../../worker/verify/generation-verifier.js";
import { vettingFrom } from "../swarm/result-vetting.js";
import { openStateDatabase, stateDatabasePath } from "../state/database.js";
import type { Reputation } from "../swarm/reputation.js";
import { printLines } from "../../worker/progress-lines.js";
import { checkedClaudePlanner, localPlanner, plannerKind } from "../pipeline/choose-planner.js";
import type { Distribution } from "../pipeline/distribution.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import type { Planner } from "../pipeline/planner.js";
import { openVerifier } from "../pipeline/result-verifier.js";
import { checkRepoTarget } from "../pipeline/merger.js";
import { runJob } from "../pipeline/run-job.js";
import { startCoordinator, type RunningCoordinator } from "./start-coordinator.js";
import { swarmWorkers } from "../swarm/swarm-workers.js";
import type { CommandContext } from "./context.js";
import { describeJobEvent } from "./progress-printer.js";
import { swarmFlags, swarmOptionsFrom } from "./swarm-options.js";
import { SetupImages } from "../../shared/sandbox/setup-image.js";
import { sweepLeftoverContainers } from "../../shared/sandbox/leftover-containers.js";

export const RUN_USAGE = `Usage:
  dellm run "<coding request>" --repo <path> [options]
  dellm run "<coding request>" --repo <path> --swarm [swarm options]

Plans the request, solves each task with in-process workers (or, with --swarm, with dellm-worker
processes that join this bot's swarm), tests the code in the Docker sandbox and commits the files
on a new branch dellm/<job id> of the repository. \`dellm bootstrap\` runs a bare swarm node that
others can join.

Options:
  --repo <path>          git repository to commit into (created when missing)
  --workers <n>          in-process workers (default 1); they share one model, with a KV cache
                         each (about 120 MB at the default context) so tasks keep their prompts
  --model <spec>         worker model: a .gguf path, an hf: URI, a short name (qwen2.5-coder-1.5b,
                         the default; qwen2.5-1.5b, the seed's), or script:<file.json> for a
                         scripted model (offline demos/tests). Default: MODEL_PATH or qwen2.5-coder-1.5b
  --threads <n>          CPU threads for the model (default MODEL_THREADS or up to 4)
  --gpu <where>          auto | off | cuda | vulkan | metal (default DELLM_GPU or auto: a usable
                         GPU, else the CPU)
  --planner <kind>       auto | claude | local (auto: Claude when ANTHROPIC_API_KEY is set)
  --repairs <n>          regenerations after failing tests (default 2)
  --task-timeout <s>     seconds per task before the job stops waiting (default 120)
  --image <name>         sandbox image (default DELLM_SANDBOX_IMAGE or dellm-sandbox:latest)
  -h, --help             this text

Swarm options:
  --swarm                hand the tasks to dellm-worker processes through the swarm
  --listen <multiaddr>   where this node listens (default DELLM_LISTEN or /ip4/0.0.0.0/tcp/4001)
  --key <file>           identity key file, so the peer id survives restarts
                         (default <DELLM_STATE_DIR>/bot.key, bootstrap.key for \`dellm bootstrap\`)
  --bootstrap <addr>     a swarm node to join (repeatable; default DELLM_BOOTSTRAP_PEERS)
  --lease <s>            seconds a claimed task stays with a silent worker (default 300)
  --announce <addr>      the address workers on other machines dial, when it is not one this
                         node listens on (behind NAT, a DNS name): /ip4/203.0.113.7/tcp/4001
  --replicas <n>         volunteers who solve each task independently (default 1); the bot
                         keeps a result that passes its re-test (majority when several do)
  --no-verify            merge the workers' results without re-testing them in this bot's
                         sandbox (default: re-test; DELLM_VERIFY_RESULTS=false)`;

const RunOptionsSchema = z.object({
  query: z
    .string()
    .trim()
    .min(1, 'give the coding request in quotes: dellm run "Create a fibonacci function" --repo ./demo'),
  repo: z.string().min(1, "give the repository to commit into: --repo ./demo"),
  workers: z.coerce.number().int().min(1).max(16, "--workers must be 1-16"),
  model: modelSpecSchema,
  threads: z.coerce.number().int().positive("--threads must be above 0"),
  gpu: gpuOptionSchema,
  planner: z.enum(["auto", "claude", "local"], { error: "--planner must be auto, claude or local" }),
  repairs: z.coerce.number().int().min(0, "--repairs must be 0 or more"),
  taskTimeout: z.coerce.number().positive("--task-timeout must be above 0"),
  image: z.string().min(1),
  swarm: z.boolean(),
  verify: z.boolean(),
  replicas: z.coerce.number().int().min(1, "--replicas must be 1-5").max(5, "--replicas must be 1-5"),
});
type RunOptions = z.infer<typeof RunOptionsSchema> & { swarmNode: ReturnType<typeof swarmOptionsFrom> };

export function parseRunArgs(argv: string[], env: DellmEnv): RunOptions {
  const { options, values } = readCommandLine(argv, {
    command: "dellm run",
    positionals: "allowed",
    flags: {
      repo: { type: "string" },
      workers: { type: "string", default: "1" },
      model: { type: "string" },
      threads: { type: "string" },
      gpu: { type: "string" },
      planner: { type: "string", default: "auto" },
      repairs: { type: "string" },
      "task-timeout": { type: "string" },
      image: { type: "string" },
      swarm: { type: "boolean", default: false },
      verify: { type: "boolean" },
      replicas: { type: "string", default: "1" },
      ...swarmFlags,
    },
    schema: RunOptionsSchema,
    input: (values, positionals) => ({
      query: positionals.join(" "),
      repo: values.repo ?? "",
      workers: values.workers,
      model: values.model ?? env.MODEL_PATH,
      threads: values.threads ?? env.MODEL_THREADS,
      gpu: values.gpu ?? env.DELLM_GPU,
      planner: values.planner,
      repairs: values.repairs ?? env.DELLM_REPAIR_ATTEMPTS,
      taskTimeout: values["task-timeout"] ?? env.DELLM_TASK_TIMEOUT,
      image: values.image ?? env.DELLM_SANDBOX_IMAGE,
      swarm: values.swarm,
      verify: values.verify ?? env.DELLM_VERIFY_RESULTS,
      replicas: values.replicas,
    }),
  });
  if (options.replicas > 1 && !options.swarm)
    throw new UsageError("--replicas is for volunteers: add --swarm (in-process workers are this machine's own)");
  return { ...options, swarmNode: swarmOptionsFrom(values, env, join(env.DELLM_STATE_DIR, "bot.key")) };
}

export async function runCommand(argv: string[], { env, log }: CommandContext): Promise<number> {
  const options = parseRunArgs(argv, env);
  await checkRepoTarget(options.repo); // a wrong --repo is named before a model loads
  await sweepLeftoverContainers(); // sandbox/setup containers a killed earlier run left behind
  // Claude's key and model are checked before the sandbox or any model is touched: a wrong one stops here.
  const claude = plannerKind(options.planner, env) === "claude" ? await checkedClaudePlanner(env, log) : undefined;
  let model: CodeModel | undefined;
  let coordinator: RunningCoordinator | undefined;
  let reputation: Reputation | undefined;
  // The state database (volunteers' standing, the coordinator's boards); closed once the coordinator stops.
  let db: DatabaseSync | undefined;
  // Set once the local model is loaded (after the coordinator starts); the vetting reads it per result.
  let generation: GenerationVerifier | undefined;
  try {
    let distribution: Distribution;
    let verifier: DockerSandbox | undefined;
    // Where the repository's own tests run before and after: the local workers' sandbox, or the re-test's.
    let repositorySandbox: DockerSandbox | undefined;
    if (options.swarm) {
      // The volunteers test the code; the bot re-tests it in its own sandbox (unless told not to), and needs a model only to plan locally.
      if (options.verify) verifier = await openVerifier(options.image, env.DOCKER_TIMEOUT, "pass --no-verify");
      else log("[verify] --no-verify: the workers' results are merged as they report them");
      db = await openStateDatabase(stateDatabasePath(env.DELLM_STATE_DIR));
      const opened = vettingFrom(
        db,
        env,
        {
          check: (item, result) =>
            generation
              ? generation.check(item, result)
              : Promise.resolve({
                  status: "not_checked",
                  reason: "the bot plans with Claude and holds no local model",
                }),
        },
        "",
      );
      reputation = opened.reputation;
      coordinator = await startCoordinator({ ...options.swarmNode, vetting: opened.vetting, database: db }, env, log);
      distribution = swarmWorkers(coordinator.coordinator);
    } else {
      const sandbox = new DockerSandbox({ image: options.image, timeoutSeconds: env.DOCKER_TIMEOUT });
      await sandbox.check();
      repositorySandbox = sandbox;
      // One sequence per worker: their tasks' calls interleave, and each keeps its evaluated prompt prefix.
      model = await openCodeModelForCommand(options.model, options.threads, env, log, {
        gpu: options.gpu,
        sequences: options.workers,
      });
      const shared = model;
      distribution = inProcessWorkers(
        Array.from(
          { length: options.workers },
          (_, i) =>
            new TaskExecutor({ model: shared, sandbox, workerId: `local-${i + 1}`, repairAttempts: options.repairs }),
        ),
      );
    }
    if (!claude)
      model ??= await openCodeModelForCommand(options.model, options.threads, env, log, { gpu: options.gpu });
    const planner: Planner = claude ?? localPlanner(model!);
    // Swarm results are checked to be the model's own answers when this machine has the model loaded anyway.
    if (options.swarm && model instanceof LlamaCodeModel) {
      // The bot's re-test sandbox also replays the attempts a repair round's failure log came from.
      generation = new GenerationVerifier({ model, ...(verifier ? { sandbox: verifier } : {}) });
      coordinator?.coordinator.requireModel(await jobModelOf(model));
    }
    log(`[model] planner ${planner.model.name}${model && !options.swarm ? `; worker model ${model.name}` : ""}`);
    const outcome = await runJob({
      query: options.query,
      repoPath: options.repo,
      planner,
      distribution,
      verifier,
      generation,
      reputation,
      repositorySandbox: repositorySandbox ?? verifier,
      logDir: join(env.DELLM_STATE_DIR, "jobs"),
      replicas: options.replicas,
      taskTimeoutSeconds: options.taskTimeout,
      // The repository's `setup` (.github/dellm.yml) wherever this machine tests: local workers or the re-test.
      ...(verifier || !options.swarm
        ? {
            setupImages: new SetupImages({
              baseImage: options.image,
              keepImages: env.DELLM_SETUP_IMAGES_KEEP,
              keepBytes: env.DELLM_SETUP_IMAGES_GB * 2 ** 30,
            }),
          }
        : {}),
      onEvent: printLines(describeJobEvent, log),
    });
    log("");
    log(outcome.summary);
    return outcome.passed ? 0 : 2;
  } finally {
    await coordinator?.stop();
    await model?.dispose();
    db?.close();
  }
}
