// `dellm-worker doctor`: a volunteer's preflight. Takes the worker's own flags (so the join line the
// bot prints works with `doctor` in front), checks this machine and the swarm, prints one line per
// check with the fix under each failure, and exits 0 only when every required check passed.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import Docker from "dockerode";
import { z } from "zod";
import { readCommandLine } from "../../shared/command-line.js";
import type { DellmEnv } from "../../shared/config.js";
import { WORKER_FLAGS, workerInput, WorkerOptionsSchema } from "../worker-command.js";
import {
  checkDisk,
  checkDocker,
  checkImage,
  checkMemory,
  checkModel,
  checkNode,
  describeCores,
  type CheckResult,
} from "./local-checks.js";
import { packageRoot } from "./package-scripts.js";
import { checkSwarm } from "./swarm-checks.js";

export const DOCTOR_USAGE = `Usage:
  dellm-worker doctor --bootstrap <multiaddr> --coordinator <peer id> [options] [--fix]

Checks that this machine can be a dellm volunteer, without claiming any task: Node.js, the Docker
daemon, the sandbox image, the model file (size, SHA-256, free memory for it), free disk, that the
bootstrap address answers, that the coordinator is found, and whether peers could dial this
machine. Each failure says how to fix it; the exit status is 0 only when every required check
passed. Put "doctor" in front of the dellm-worker line the bot prints.

Options (besides every dellm-worker option, which it reads the same way; dellm-worker --help):
  --fix                    build the sandbox image when it is missing (a few minutes, once)
  --timeout <s>            how long each network check may take (default 10)
  -h, --help               this text`;

const DoctorOptionsSchema = WorkerOptionsSchema.extend({
  // Missing ones are reported as failed checks, not refused as usage errors.
  bootstrap: z.array(z.string()),
  coordinator: z.string().min(1).optional(),
  fix: z.boolean(),
  timeout: z.coerce.number().positive("--timeout must be above 0").max(120, "--timeout can be at most 120"),
});
export type DoctorOptions = z.infer<typeof DoctorOptionsSchema>;

const DOCTOR_FLAGS = {
  ...WORKER_FLAGS,
  fix: { type: "boolean", default: false },
  timeout: { type: "string", default: "10" },
} as const;

export function parseDoctorArgs(argv: string[], env: DellmEnv, variables: NodeJS.ProcessEnv = {}): DoctorOptions {
  return readCommandLine(argv, {
    command: "dellm-worker doctor",
    flags: DOCTOR_FLAGS,
    schema: DoctorOptionsSchema,
    input: (values) => ({ ...workerInput(values, env, variables), fix: values.fix, timeout: values.timeout }),
  }).options;
}

/** What tests replace: the Docker client, the image builder, the model-hash cache, the Node version. */
export interface DoctorDependencies {
  docker?: Docker;
  buildImage?: (image: string) => Promise<void>;
  hashCacheFile?: string;
  nodeVersion?: string;
}

/** scripts/build-sandbox-image.sh with its output on this terminal; it reads DELLM_SANDBOX_IMAGE for the name. */
function buildWithScript(image: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [`${packageRoot()}/scripts/build-sandbox-image.sh`], {
      env: { ...process.env, DELLM_SANDBOX_IMAGE: image },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`build-sandbox-image.sh exited with status ${code}`)),
    );
  });
}

const COLUMN = 14;

/** "  FAIL  docker       the daemon …" and, under it, "               fix: …" (each line of a long fix indented). */
export function formatCheck(result: CheckResult): string {
  const lines = [`  ${result.status.padEnd(5)} ${result.name.padEnd(COLUMN - 1)}${result.detail}`];
  if (result.fix) {
    const [first = "", ...rest] = result.fix.split("\n");
    const indent = " ".repeat(COLUMN + 7);
    lines.push(`${indent}fix: ${first}`, ...rest.map((line) => `${indent}${line}`));
  }
  return lines.join("\n");
}

export async function doctorCommand(
  argv: string[],
  env: DellmEnv,
  log: (line: string) => void = console.log,
  variables: NodeJS.ProcessEnv = {},
  deps: DoctorDependencies = {},
): Promise<number> {
  const options = parseDoctorArgs(argv, env, variables);
  const timeoutMs = options.timeout * 1000;
  const docker = deps.docker ?? new Docker();
  const results: CheckResult[] = [];
  const report = (result: CheckResult) => {
    results.push(result);
    log(formatCheck(result));
  };
  log("dellm-worker doctor: checking this machine and the swarm");

  report(checkNode(deps.nodeVersion));
  const dockerResult = await checkDocker(docker, timeoutMs);
  report(dockerResult);
  if (dockerResult.status !== "ok") {
    report({ name: "image", status: "skip", detail: `${options.image}: needs Docker (see above)` });
  } else {
    let image = await checkImage(docker, options.image, timeoutMs);
    if (image.status === "FAIL" && options.fix) {
      log(`               building ${options.image} (--fix); this takes a few minutes the first time`);
      try {
        await (deps.buildImage ?? buildWithScript)(options.image);
        image = await checkImage(docker, options.image, timeoutMs);
      } catch (error) {
        image = { ...image, detail: `${image.detail}; building it failed: ${(error as Error).message}` };
      }
    }
    report(image);
  }
  const model = await checkModel(options.model, {
    modelsDirectory: env.DELLM_MODELS_DIR,
    contextSize: env.DELLM_CONTEXT_SIZE,
    hashCacheFile: deps.hashCacheFile,
  });
  report(model.result);
  report(checkMemory(model.facts));
  report(
    await checkDisk({
      cacheDir: options.cacheDir,
      cacheMb: options.cacheMb,
      modelsDirectory: env.DELLM_MODELS_DIR,
      modelMissing: model.result.status === "FAIL",
    }),
  );
  report(describeCores(options.threads, options.nice, availableParallelism()));
  for (const result of await checkSwarm({
    bootstrap: options.bootstrap,
    coordinator: options.coordinator,
    listen: options.listen,
    timeoutMs,
  }))
    report(result);

  const failed = results.filter((result) => result.status === "FAIL").map((result) => result.name);
  if (failed.length > 0) {
    log(`${failed.length} required check(s) failed: ${failed.join(", ")}. Fix them (see "fix:") and run doctor again.`);
    return 1;
  }
  log("every required check passed: this machine is ready; start the worker with the same options, without doctor");
  return 0;
}
