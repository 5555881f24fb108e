// Settings from the environment (the seed's orchestrator and node config), validated with zod so
// a bad value fails at start with the variable's name instead of deep inside a job.
import { availableParallelism } from "node:os";
import { z } from "zod";
import { TrustedWorkersSchema } from "./swarm/trusted-workers.js";

// Qwen2.5-Coder-1.5B-Instruct: HumanEval 70.7 against 61.6 for the seed's Qwen2.5-1.5B-Instruct, same
// shape and speed (worker/model/known-models.ts keeps the seed's one as --model qwen2.5-1.5b).
export const DEFAULT_MODEL_URI = "hf:Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q8_0.gguf";
export const DEFAULT_SANDBOX_IMAGE = "dellm-sandbox:latest";
export const DEFAULT_MODELS_DIR = "models";
/** Where the worker's model runs: "auto" picks CUDA, Vulkan or Metal when usable, else the CPU. */
export const GPU_CHOICES = ["auto", "off", "cuda", "vulkan", "metal"] as const;
export type GpuChoice = (typeof GPU_CHOICES)[number];

const positiveInt = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be above 0`);

/** DELLM_MAX_JOBS unset: half the cores (each job clones, re-tests and runs repository tests on the bot). */
export const DEFAULT_MAX_JOBS = Math.max(1, Math.floor(availableParallelism() / 2));

const EnvSchema = z.object({
  ANTHROPIC_API_KEY: z.string().optional(),
  // Unset = the newest Sonnet the key can use, found with the Models API at start (bot/pipeline/claude-models.ts).
  DELLM_CLAUDE_MODEL: z.string().min(1).optional(),
  DELLM_CLAUDE_MAX_TOKENS: positiveInt("DELLM_CLAUDE_MAX_TOKENS").default(4096),
  ANTHROPIC_BASE_URL: z.string().url("ANTHROPIC_BASE_URL must be a URL").optional(),
  DELLM_TASK_TIMEOUT: positiveInt("DELLM_TASK_TIMEOUT").default(120),
  MODEL_PATH: z.string().min(1).default(DEFAULT_MODEL_URI),
  /**
   * `dellm serve`: the volunteers' model (a GGUF path or model spec), which the bot loads to check
   * that each volunteer's file is that model's own answer (issue 22). Unset: files say "not checked".
   */
  DELLM_CHECK_MODEL: z.string().min(1).optional(),
  /**
   * `dellm serve` without DELLM_CHECK_MODEL: the volunteers' model named as `<sha256>:<context size>`
   * (`dellm-worker doctor` prints the file's sha256; the context is the workers' DELLM_CONTEXT_SIZE). Jobs go only to workers running that file, and volunteers
   * running it check each other's answers (never their own). Unset: files say "not checked".
   */
  DELLM_JOB_MODEL: z
    .string()
    .regex(
      /^[0-9a-f]{64}:[1-9]\d*$/,
      "DELLM_JOB_MODEL must be <sha256 of the GGUF file>:<context size>, e.g. <64 hex digits>:8192 (dellm-worker doctor prints the sha256)",
    )
    .optional(),
  DELLM_MODELS_DIR: z.string().min(1).default(DEFAULT_MODELS_DIR),
  // A Hugging Face mirror for hf: URIs (HF_ENDPOINT is the name huggingface tools use).
  MODEL_ENDPOINT: z.string().url("MODEL_ENDPOINT must be an http(s) URL").optional(),
  HF_ENDPOINT: z.string().url("HF_ENDPOINT must be an http(s) URL").optional(),
  MODEL_THREADS: positiveInt("MODEL_THREADS").default(Math.min(4, availableParallelism())),
  DELLM_CONTEXT_SIZE: positiveInt("DELLM_CONTEXT_SIZE").optional(),
  DELLM_GPU: z.enum(GPU_CHOICES, { error: `DELLM_GPU must be one of ${GPU_CHOICES.join(", ")}` }).default("auto"),
  WORKER_ID: z.string().min(1).optional(),
  DELLM_SANDBOX_IMAGE: z.string().min(1).default(DEFAULT_SANDBOX_IMAGE),
  DOCKER_TIMEOUT: positiveInt("DOCKER_TIMEOUT").default(30),
  DELLM_REPAIR_ATTEMPTS: z.coerce.number().int().min(0, "DELLM_REPAIR_ATTEMPTS must be 0 or more").default(2),
  // The swarm (seed: bootstrap peers, lease expiry). Multiaddrs are checked when dialled.
  DELLM_LISTEN: z.string().min(1).optional(),
  DELLM_BOOTSTRAP_PEERS: z.string().optional(),
  DELLM_COORDINATOR: z.string().min(1).optional(),
  DELLM_STATE_DIR: z.string().min(1).default(".dellm"),
  DELLM_LEASE_SECONDS: positiveInt("DELLM_LEASE_SECONDS").default(300),
  // Private repositories' tasks go only to these peers (shared/swarm/trusted-workers.ts).
  DELLM_TRUSTED_WORKERS: TrustedWorkersSchema,
  /** Share of a clean volunteer's results the bot still checks (issue 22; above 0, at most 1). */
  DELLM_SPOT_CHECK_RATE: z.coerce
    .number()
    .gt(0, "DELLM_SPOT_CHECK_RATE must be above 0: a volunteer with a clean record is still checked sometimes")
    .max(1, "DELLM_SPOT_CHECK_RATE is a share: at most 1")
    .default(0.1),
  /** `dellm serve`: jobs running at once; the rest wait in the queue (bot/github/job-queue.ts). */
  DELLM_MAX_JOBS: positiveInt("DELLM_MAX_JOBS").default(DEFAULT_MAX_JOBS),
  /** `dellm serve`: days a finished (done or failed) job is kept in the state database; active ones are never pruned. */
  DELLM_KEEP_JOBS_DAYS: positiveInt("DELLM_KEEP_JOBS_DAYS").default(90),
  /** `dellm serve` and `dellm run`: repositories' setup images (.github/dellm.yml `setup`) kept; past it the least recently used go. */
  DELLM_SETUP_IMAGES_KEEP: positiveInt("DELLM_SETUP_IMAGES_KEEP").default(8),
  /** `dellm serve` and `dellm run`: GiB all setup images may take together; past it the least recently used go. */
  DELLM_SETUP_IMAGES_GB: positiveInt("DELLM_SETUP_IMAGES_GB").default(16),
  /** `dellm serve`: days a job waits for answers to the planner's clarifying questions, then ends (issue 24; fractions allowed). */
  DELLM_QUESTION_WAIT_DAYS: z.coerce
    .number({ error: "DELLM_QUESTION_WAIT_DAYS must be a number of days" })
    .positive("DELLM_QUESTION_WAIT_DAYS must be above 0")
    .max(365, "DELLM_QUESTION_WAIT_DAYS is at most 365")
    .default(7),
  /** Failed generation checks after which a volunteer gets no grants until `dellm workers --clear`. */
  DELLM_BLOCK_AFTER: positiveInt("DELLM_BLOCK_AFTER").default(3),
  // The bot re-tests volunteers' results in its own sandbox before merging (needs Docker on the bot).
  DELLM_VERIFY_RESULTS: z
    .enum(["true", "false", "1", "0"], { error: "DELLM_VERIFY_RESULTS must be true or false" })
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  // Whether a repository's `setup` may reach the network on the bot's machine (setup_network: true).
  // Default true, and it holds only where the network can be fenced (shared/sandbox/setup-network.ts:
  // root, iptables, a local daemon managing its rules): the internet, never the host or private
  // ranges. Elsewhere such a setup is refused with the reason and the offline way (wheels in the
  // repository, pip install --no-index --find-links wheels, setup_network: false).
  DELLM_SETUP_NETWORK: z
    .enum(["true", "false", "1", "0"], { error: "DELLM_SETUP_NETWORK must be true or false" })
    .default("true")
    .transform((v) => v === "true" || v === "1"),
});
export type DellmEnv = z.infer<typeof EnvSchema>;

/** The variables that are set; empty strings count as unset (as `.env` files often leave them). */
export function presentVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""),
  );
}

/** Read the environment (see presentVariables). */
export function readEnv(env: NodeJS.ProcessEnv): DellmEnv {
  const parsed = EnvSchema.safeParse(presentVariables(env));
  if (!parsed.success) throw new Error(`invalid environment: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** DELLM_BOOTSTRAP_PEERS holds multiaddrs separated by commas or spaces. */
export function bootstrapPeersFrom(env: DellmEnv): string[] {
  return (env.DELLM_BOOTSTRAP_PEERS ?? "").split(/[\s,]+/).filter(Boolean);
}
