// `dellm eval`: the suite through the real pipeline in a local swarm (or the one-shot baseline),
// with a progress bar, a JSON results file, an SVG chart and a text report; `--compare a b`.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { readCommandLine } from "../../shared/command-line.js";
import { UsageError } from "../../shared/usage-error.js";
import type { CodeModel } from "../../shared/model/code-model.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { modelSpecSchema } from "../../worker/model/known-models.js";
import { gpuOptionSchema } from "../../worker/model/llama-backend.js";
import { openCodeModelForCommand } from "../../worker/model/open-code-model.js";
import { checkedClaudePlanner, localPlanner, plannerKind } from "../pipeline/choose-planner.js";
import { Planner } from "../pipeline/planner.js";
import { reportChart } from "../eval/chart.js";
import { startLocalSwarm } from "../eval/local-swarm.js";
import { ReferenceModel } from "../eval/reference-model.js";
import {
  compareReports,
  describeReport,
  readReport,
  summarize,
  type EvalReport,
  type IssueOutcome,
} from "../eval/report.js";
import { runBaselineIssue, runPipelineIssue, SwarmTimeline } from "../eval/run-eval.js";
import { DEFAULT_SUITE_DIR, loadSuite, type EvalIssue } from "../eval/suite.js";
import type { CommandContext } from "./context.js";

export const EVAL_USAGE = `Usage:
  dellm eval [options]                 run the suite and report
  dellm eval --compare <a.json> <b.json>

Runs every issue of the suite (eval/suite/<tier>/<issue>/) through the real pipeline — planner,
a local swarm of N workers on loopback, the Docker sandbox, the merge — then the issue's hidden
acceptance tests in the sandbox against the merged files (a brownfield issue starts from an
existing repository whose own tests must keep passing). Reports pass/fail per issue, task counts,
the per-file test pass rate, success per tier and the time per stage against the seed's latency
targets; writes a JSON results file and an SVG chart.

Options:
  --only <tier|issue>    simple, medium, complex, brownfield, or one issue such as
                         simple/01-fibonacci
  --workers <n>          swarm workers (default 3)
  --model <spec>         worker model: .gguf path, hf: URI, script:<file.json>, a short name
                         (qwen2.5-coder-1.5b, the default; qwen2.5-1.5b), or reference /
                         empty (known-good / no answers: prove the harness)
  --gpu <where>          auto | off | cuda | vulkan | metal (default DELLM_GPU or auto: a usable
                         GPU, else the CPU)
  --planner <kind>       auto | claude | local | reference (auto: reference for the reference and
                         empty models, else Claude when ANTHROPIC_API_KEY is set, else local)
  --baseline             ask the model once for the whole solution (no decomposition, no repair)
  --repairs <n>          worker repair attempts (default DELLM_REPAIR_ATTEMPTS)
  --task-timeout <s>     seconds per task before a job stops waiting (default DELLM_TASK_TIMEOUT)
  --image <name>         sandbox image (default DELLM_SANDBOX_IMAGE)
  --suite <dir>          the suite (default ${DEFAULT_SUITE_DIR})
  --out <file>           results JSON (default eval-results/<time>-<mode>.json); the chart goes
                         next to it as .svg`;

const EvalOptionsSchema = z.object({
  only: z.string().min(1).optional(),
  workers: z.coerce.number().int().min(1, "--workers must be 1-16").max(16, "--workers must be 1-16"),
  model: z.union([z.enum(["reference", "empty"]), modelSpecSchema]),
  gpu: gpuOptionSchema,
  planner: z.enum(["auto", "claude", "local", "reference"], {
    error: "--planner must be auto, claude, local or reference",
  }),
  baseline: z.boolean(),
  repairs: z.coerce.number().int().min(0, "--repairs must be 0 or more"),
  taskTimeout: z.coerce.number().positive("--task-timeout must be above 0"),
  image: z.string().min(1),
  suite: z.string().min(1),
  out: z.string().min(1).optional(),
});

/** Where the progress bar goes (stderr; redrawn in place on a terminal). */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

export async function evalCommand(
  argv: string[],
  {
    env,
    log,
    progress: progressOut = process.stderr,
  }: Omit<CommandContext, "variables"> & { progress?: ProgressOutput },
): Promise<number> {
  const { options, values, positionals } = readCommandLine(argv, {
    command: "dellm eval",
    positionals: "allowed",
    flags: {
      compare: { type: "boolean", default: false },
      only: { type: "string" },
      workers: { type: "string", default: "3" },
      model: { type: "string" },
      gpu: { type: "string" },
      planner: { type: "string", default: "auto" },
      baseline: { type: "boolean", default: false },
      repairs: { type: "string" },
      "task-timeout": { type: "string" },
      image: { type: "string" },
      suite: { type: "string", default: DEFAULT_SUITE_DIR },
      out: { type: "string" },
    },
    schema: EvalOptionsSchema,
    input: (values) => ({
      only: values.only,
      workers: values.workers,
      model: values.model ?? env.MODEL_PATH,
      gpu: values.gpu ?? env.DELLM_GPU,
      planner: values.planner,
      baseline: values.baseline,
      repairs: values.repairs ?? env.DELLM_REPAIR_ATTEMPTS,
      taskTimeout: values["task-timeout"] ?? env.DELLM_TASK_TIMEOUT,
      image: values.image ?? env.DELLM_SANDBOX_IMAGE,
      suite: values.suite,
      out: values.out,
    }),
  });
  if (values.compare) {
    if (positionals.length !== 2)
      throw new UsageError("--compare takes two results files: dellm eval --compare a.json b.json");
    const [a, b] = await Promise.all(positionals.map((p) => readReport(p)));
    log(compareReports(a!, b!, [positionals[0]!, positionals[1]!]));
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(
      `dellm eval takes no arguments, got "${positionals.join(" ")}" (did you mean --only ${positionals[0]}?)`,
    );

  const suite = await loadSuite(options.suite, options.only);
  const harness = options.model === "reference" || options.model === "empty";
  // The reference planner proves the harness; otherwise the same choice as `dellm run`, Claude checked before any issue runs.
  const kind =
    options.planner === "reference" || (options.planner === "auto" && harness)
      ? "reference"
      : plannerKind(options.planner, env);
  const claude = kind === "claude" && !options.baseline ? await checkedClaudePlanner(env, log) : undefined;
  const sandbox = new DockerSandbox({ image: options.image, timeoutSeconds: env.DOCKER_TIMEOUT });
  await sandbox.check();
  const model: CodeModel = harness
    ? new ReferenceModel(suite, options.model as "reference" | "empty")
    : await openCodeModelForCommand(options.model, env.MODEL_THREADS, env, log, {
        gpu: options.gpu,
        sequences: options.baseline ? 1 : options.workers, // the local swarm's workers share this model
      });
  const planner = kind === "reference" ? new Planner(new ReferenceModel(suite)) : (claude ?? localPlanner(model));
  const workDir = await mkdtemp(join(tmpdir(), "dellm-eval-"));
  const mode = options.baseline ? "baseline" : "pipeline";
  log(
    `[eval] ${suite.length} issues, ${mode}, model ${model.name}, planner ${planner.model.name}${options.baseline ? "" : `, ${options.workers} workers`}; repositories in ${workDir}`,
  );

  const startedAt = new Date();
  const outcomes: IssueOutcome[] = [];
  const bar = progressBar(suite.length, progressOut);
  const out = options.out ?? join("eval-results", `${startedAt.toISOString().replace(/[:.]/g, "-")}-${mode}.json`);
  const chart = out.replace(/\.json$/, "") + ".svg";
  log(`[eval] results are saved after each issue in ${out}`);
  const config: EvalReport["config"] = {
    mode,
    model: model.name,
    planner: options.baseline ? "none" : planner.model.name,
    workers: options.baseline ? 0 : options.workers,
    repairs: options.baseline ? 0 : options.repairs,
    only: options.only ?? null,
  };
  // Saved after every issue, so a run stopped half-way keeps what it measured.
  const save = async (complete: boolean): Promise<EvalReport> => {
    const report: EvalReport = {
      version: 1,
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      complete,
      config,
      issues: outcomes,
      summary: summarize(outcomes),
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(report, null, 1));
    await writeFile(chart, reportChart(report));
    return report;
  };
  const timeline = new SwarmTimeline();
  const swarm = options.baseline
    ? undefined
    : await startLocalSwarm({
        workers: options.workers,
        model,
        sandbox,
        repairAttempts: options.repairs,
        onCoordinatorEvent: timeline.record,
      });
  try {
    for (const issue of suite) {
      bar.working(issue, outcomes);
      const outcome = swarm
        ? await runPipelineIssue(issue, {
            planner,
            swarm,
            timeline,
            sandbox,
            workDir,
            taskTimeoutSeconds: options.taskTimeout,
          })
        : await runBaselineIssue(issue, model, sandbox);
      outcomes.push(outcome);
      bar.done(outcome, outcomes);
      await save(false);
    }
  } finally {
    await swarm?.stop();
    await model.dispose();
  }

  const report = await save(true);
  log("");
  log(describeReport(report));
  log("");
  log(`[eval] results: ${out}`);
  log(`[eval] chart: ${chart}`);
  return 0;
}

/** One line redrawn in place on a terminal; one line per issue elsewhere (CI logs). */
function progressBar(total: number, out: ProgressOutput) {
  const width = 24;
  const line = (done: number, passed: number, what: string) => {
    const filled = Math.round((done / total) * width);
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} issues, ${passed} passed — ${what}`;
  };
  const passedOf = (outcomes: IssueOutcome[]) => outcomes.filter((o) => o.passed).length;
  return {
    working(issue: EvalIssue, outcomes: IssueOutcome[]) {
      if (out.isTTY) out.write(`\r\x1b[2K${line(outcomes.length, passedOf(outcomes), `running ${issue.id}`)}`);
    },
    done(outcome: IssueOutcome, outcomes: IssueOutcome[]) {
      const text = line(outcomes.length, passedOf(outcomes), `${outcome.passed ? "PASS" : "FAIL"} ${outcome.id}`);
      out.write(out.isTTY ? `\r\x1b[2K${text}${outcomes.length === total ? "\n" : ""}` : `${text}\n`);
    },
  };
}
