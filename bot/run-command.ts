// `dellm run "<request>" --repo <path>`: the whole pipeline on this machine, with progress.
import { parseArgs } from "node:util";
import { z } from "zod";
import { readEnv, type DellmEnv } from "../shared/config.js";
import { budgetFor } from "../shared/token-budget.js";
import type { CodeModel } from "../worker/code-model.js";
import { DockerSandbox } from "../worker/docker-sandbox.js";
import { TaskExecutor } from "../worker/executor.js";
import { openCodeModel } from "../worker/open-code-model.js";
import { ClaudePlannerModel } from "./claude-planner-model.js";
import { runLocalJob } from "./job-runner.js";
import { Planner, type PlannerModel } from "./planner.js";
import { describeJobEvent, modelProgressPrinter } from "./progress-printer.js";

const USAGE = `Usage:
  dellm run "<coding request>" --repo <path> [options]

Plans the request, solves each task with in-process workers, tests the code in the Docker
sandbox and commits the files on a new branch dellm/<job id> of the repository.

Options:
  --repo <path>          git repository to commit into (created when missing)
  --workers <n>          in-process workers (default 1)
  --model <spec>         worker model: a .gguf path, an hf: URI, or script:<file.json> for a
                         scripted model (offline demos/tests). Default: MODEL_PATH or Qwen2.5-1.5B
  --threads <n>          CPU threads for the model (default MODEL_THREADS or up to 4)
  --planner <kind>       auto | claude | local (auto: Claude when ANTHROPIC_API_KEY is set)
  --repairs <n>          regenerations after failing tests (default 2)
  --task-timeout <s>     seconds per task before the job stops waiting (default 120)
  --image <name>         sandbox image (default DELLM_SANDBOX_IMAGE or dellm-sandbox:latest)
  -h, --help             this text`;

const RunOptionsSchema = z.object({
  query: z.string().trim().min(1, 'give the coding request in quotes: dellm run "Create a fibonacci function" --repo ./demo'),
  repo: z.string().min(1, "give the repository to commit into: --repo ./demo"),
  workers: z.coerce.number().int().min(1).max(16, "--workers must be 1-16"),
  model: z.string().min(1),
  threads: z.coerce.number().int().positive("--threads must be above 0"),
  planner: z.enum(["auto", "claude", "local"], { error: "--planner must be auto, claude or local" }),
  repairs: z.coerce.number().int().min(0, "--repairs must be 0 or more"),
  taskTimeout: z.coerce.number().positive("--task-timeout must be above 0"),
  image: z.string().min(1),
});
type RunOptions = z.infer<typeof RunOptionsSchema>;

export class UsageError extends Error {
  override name = "UsageError";
}

export function parseRunArgs(argv: string[], env: DellmEnv): RunOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      repo: { type: "string" },
      workers: { type: "string", default: "1" },
      model: { type: "string" },
      threads: { type: "string" },
      planner: { type: "string", default: "auto" },
      repairs: { type: "string" },
      "task-timeout": { type: "string" },
      image: { type: "string" },
    },
  });
  const parsed = RunOptionsSchema.safeParse({
    query: positionals.join(" "),
    repo: values.repo ?? "",
    workers: values.workers,
    model: values.model ?? env.MODEL_PATH,
    threads: values.threads ?? env.MODEL_THREADS,
    planner: values.planner,
    repairs: values.repairs ?? env.DELLM_REPAIR_ATTEMPTS,
    taskTimeout: values["task-timeout"] ?? env.DELLM_TASK_TIMEOUT,
    image: values.image ?? env.DELLM_SANDBOX_IMAGE,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("\n"));
  return parsed.data;
}

function plannerModelFor(options: RunOptions, env: DellmEnv, codeModel: CodeModel): PlannerModel {
  const wantsClaude = options.planner === "claude" || (options.planner === "auto" && env.ANTHROPIC_API_KEY);
  if (!wantsClaude) return codeModel;
  if (!env.ANTHROPIC_API_KEY) throw new UsageError("--planner claude needs ANTHROPIC_API_KEY (in the environment or .env)");
  return new ClaudePlannerModel({
    apiKey: env.ANTHROPIC_API_KEY,
    model: env.DELLM_CLAUDE_MODEL,
    maxTokens: env.DELLM_CLAUDE_MAX_TOKENS,
    baseURL: env.ANTHROPIC_BASE_URL,
  });
}

export async function runCommand(argv: string[], log: (line: string) => void = console.log): Promise<number> {
  const env = readEnv();
  const options = parseRunArgs(argv, env);
  const sandbox = new DockerSandbox({ image: options.image, timeoutSeconds: env.DOCKER_TIMEOUT });
  await sandbox.check();
  log(`[model] loading ${options.model}`);
  const model = await openCodeModel(options.model, {
    modelsDirectory: env.DELLM_MODELS_DIR,
    threads: options.threads,
    contextSize: env.DELLM_CONTEXT_SIZE,
    onProgress: modelProgressPrinter(log),
  });
  try {
    const plannerModel = plannerModelFor(options, env, model);
    // A local planner shares the worker model's context, so it gets the worker's output budget.
    const maxTokens = plannerModel === model ? budgetFor(model.contextSize).output : env.DELLM_CLAUDE_MAX_TOKENS;
    const planner = new Planner(plannerModel, { maxTokens });
    log(`[model] worker model ${model.name}; planner ${planner.model.name}`);
    const executors = Array.from({ length: options.workers }, (_, i) =>
      new TaskExecutor({ model, sandbox, workerId: `local-${i + 1}`, repairAttempts: options.repairs }),
    );
    const outcome = await runLocalJob({
      query: options.query,
      repoPath: options.repo,
      planner,
      executors,
      taskTimeoutSeconds: options.taskTimeout,
      onEvent: (event) => {
        const line = describeJobEvent(event);
        if (line) log(line);
      },
    });
    log("");
    log(outcome.summary);
    const allPassed = outcome.missing.length === 0 && outcome.merge.skipped.length === 0 && outcome.merge.written.every((f) => f.testPassed);
    return allPassed ? 0 : 2;
  } finally {
    await model.dispose();
  }
}

/** The `dellm` command line; returns the exit code (0 all passed, 2 finished with failures, 1 error). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  if (command !== "run") {
    console.error(`dellm: unknown command "${command}"\n\n${USAGE}`);
    return 1;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  try {
    return await runCommand(rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`dellm: ${message}`);
    if (error instanceof UsageError) console.error(`\n${USAGE}`);
    return 1;
  }
}
