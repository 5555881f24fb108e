// What an evaluation found: per issue, per tier, per stage against the seed's targets; saved as
// JSON (checked when read back, so two runs can be compared) and printed as text.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { TIERS, TierSchema } from "./suite.js";

const seconds = z.number().nonnegative().optional();
export const StageTimesSchema = z.object({
  decompose_s: seconds,
  distribute_s: seconds,
  generate_s: seconds,
  test_s: seconds,
  collect_s: seconds,
  merge_s: seconds,
  total_s: seconds,
});
export type StageTimes = z.infer<typeof StageTimesSchema>;
export type Stage = keyof StageTimes;

/** The seed plan's latency targets ("Performance Benchmarks"); merge has none. */
export const STAGE_TARGETS: Record<Stage, number | null> = {
  decompose_s: 5,
  distribute_s: 1,
  generate_s: 30,
  test_s: 10,
  collect_s: 5,
  merge_s: null,
  total_s: 45,
};
/** The seed plan's success metrics. */
export const GOALS = { decompositionIn3To6: 0.9, filePassRate: 0.8, mediumSuccess: 0.7 } as const;

export const IssueOutcomeSchema = z.object({
  id: z.string(),
  tier: TierSchema,
  title: z.string(),
  passed: z.boolean(),
  hidden: z.object({ passed: z.number().int(), failed: z.number().int(), reason: z.string().optional() }),
  /**
   * The existing repository's own tests against the result (issues asked against one): kept when
   * all passed; regressions are the tests that did not (ids as pytest names them).
   */
  repository: z
    .object({
      kept: z.boolean(),
      passed: z.number().int(),
      failed: z.number().int(),
      regressions: z.array(z.string()),
      reason: z.string().optional(),
    })
    .optional(),
  /** The planner's task count (null: baseline, or the planner gave no plan). */
  tasks: z.number().int().nullable(),
  /** Generated files that passed their own tests. */
  files: z.object({ total: z.number().int(), passed: z.number().int() }),
  stages: StageTimesSchema,
  error: z.string().optional(),
});
export type IssueOutcome = z.infer<typeof IssueOutcomeSchema>;

const StageSummarySchema = z.object({
  median: z.number().nullable(),
  max: z.number().nullable(),
  target: z.number().nullable(),
  met: z.boolean().nullable(),
});

export const EvalReportSchema = z.object({
  version: z.literal(1),
  started_at: z.string(),
  finished_at: z.string(),
  /** False while the run goes on (or when it was stopped): the issues so far. */
  complete: z.boolean(),
  config: z.object({
    mode: z.enum(["pipeline", "baseline"]),
    model: z.string(),
    planner: z.string(),
    workers: z.number().int(),
    repairs: z.number().int(),
    only: z.string().nullable(),
  }),
  issues: z.array(IssueOutcomeSchema),
  summary: z.object({
    issues: z.number().int(),
    passed: z.number().int(),
    success_rate: z.number(),
    tiers: z.record(
      z.string(),
      z.object({ issues: z.number().int(), passed: z.number().int(), success_rate: z.number().nullable() }),
    ),
    decomposition_3_to_6: z.number().nullable(),
    file_pass_rate: z.number().nullable(),
    stages: z.record(z.string(), StageSummarySchema),
  }),
});
export type EvalReport = z.infer<typeof EvalReportSchema>;

export function summarize(issues: IssueOutcome[]): EvalReport["summary"] {
  const rate = (part: number, whole: number) => (whole ? part / whole : null);
  const tiers: EvalReport["summary"]["tiers"] = {};
  for (const tier of TIERS) {
    const of = issues.filter((i) => i.tier === tier);
    if (of.length)
      tiers[tier] = {
        issues: of.length,
        passed: of.filter((i) => i.passed).length,
        success_rate: rate(of.filter((i) => i.passed).length, of.length),
      };
  }
  const planned = issues.filter((i) => i.tasks !== null);
  const files = issues.reduce((sum, i) => ({ total: sum.total + i.files.total, passed: sum.passed + i.files.passed }), {
    total: 0,
    passed: 0,
  });
  const stages: EvalReport["summary"]["stages"] = {};
  for (const stage of Object.keys(STAGE_TARGETS) as Stage[]) {
    const values = issues
      .map((i) => i.stages[stage])
      .filter((v): v is number => v !== undefined)
      .sort((a, b) => a - b);
    const median = values.length ? values[Math.floor((values.length - 1) / 2)]! : null;
    const target = STAGE_TARGETS[stage];
    stages[stage] = {
      median,
      max: values.at(-1) ?? null,
      target,
      met: median === null || target === null ? null : median < target,
    };
  }
  const passed = issues.filter((i) => i.passed).length;
  return {
    issues: issues.length,
    passed,
    success_rate: rate(passed, issues.length) ?? 0,
    tiers,
    decomposition_3_to_6: rate(planned.filter((i) => i.tasks! >= 3 && i.tasks! <= 6).length, planned.length),
    file_pass_rate: rate(files.passed, files.total),
    stages,
  };
}

export async function readReport(path: string): Promise<EvalReport> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the eval results ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = EvalReportSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path} is not a dellm eval results file: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
const secs = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;

/** The reference planner (dellm eval --model reference/empty): it replays the suite's own plans. */
const REPLAYED_PLANS = /^reference\b/;

/**
 * Why a failed issue failed, on its row: the job's error, else what the hidden tests said, else the
 * repository test it broke.
 */
function failureNote(issue: IssueOutcome): string {
  const broke = issue.repository && !issue.repository.kept ? issue.repository.reason : undefined;
  const why =
    issue.error ??
    (issue.passed ? undefined : [broke, issue.hidden.reason].filter((r) => r !== undefined).join("; ") || undefined);
  return why ? `  (${why.replace(/\s+/g, " ").trim().slice(0, 120)})` : "";
}

/** The text `dellm eval` prints at the end. */
export function describeReport(report: EvalReport): string {
  const { summary, config } = report;
  const lines = [
    ...(report.complete ? [] : [`(incomplete run: ${report.issues.length} issues measured before it stopped)`]),
    `dellm eval: ${config.mode}, model ${config.model}, planner ${config.planner}, ${config.workers} worker(s), ${config.repairs} repair(s)`,
    "",
    "Issue                                     Hidden tests  Repo tests  Tasks  Files passed  Total",
    ...report.issues.map(
      (i) =>
        `${i.passed ? "PASS" : "FAIL"} ${i.id.padEnd(36)} ${`${i.hidden.passed}/${i.hidden.passed + i.hidden.failed}`.padStart(6)}  ${(i.repository ? `${i.repository.passed}/${i.repository.passed + i.repository.failed}` : "—").padStart(10)}  ${String(i.tasks ?? "—").padStart(9)}  ${`${i.files.passed}/${i.files.total}`.padStart(12)}  ${secs(i.stages.total_s).padStart(7)}${failureNote(i)}`,
    ),
    "",
    `End-to-end success: ${summary.passed}/${summary.issues} (${percent(summary.success_rate)})`,
    ...Object.entries(summary.tiers).map(
      ([tier, t]) =>
        `  ${tier.padEnd(10)} ${t.passed}/${t.issues} (${percent(t.success_rate)})${tier === "medium" ? ` — goal ≥ ${percent(GOALS.mediumSuccess)}` : ""}`,
    ),
    `Planner gave 3–6 tasks: ${percent(summary.decomposition_3_to_6)} of plans (goal ${percent(GOALS.decompositionIn3To6)})${
      REPLAYED_PLANS.test(config.planner)
        ? "; not a measure here: this planner replays the suite's reference plans, mostly 1–2 tasks (small issues need no more); the goal is for a real planner"
        : ""
    }`,
    `Generated files passing their own tests: ${percent(summary.file_pass_rate)} (goal ${percent(GOALS.filePassRate)})`,
    "",
    "Stage (median per issue; per task for swarm stages)   median     max   target",
    ...Object.entries(summary.stages).map(
      ([stage, s]) =>
        `  ${stage.replace(/_s$/, "").padEnd(50)} ${secs(s.median).padStart(7)} ${secs(s.max).padStart(7)}   ${s.target === null ? "—" : `< ${s.target} s`}${s.met === false ? "  MISSED" : ""}`,
    ),
  ];
  return lines.join("\n");
}

/** `dellm eval --compare a.json b.json`: success per tier and stage medians side by side, and issues that changed. */
export function compareReports(a: EvalReport, b: EvalReport, names: [string, string]): string {
  const label = (r: EvalReport) => `${r.config.mode}/${r.config.model}`;
  const delta = (x: number | null | undefined, y: number | null | undefined, format: (v: number) => string) =>
    x === null || x === undefined || y === null || y === undefined ? "" : `${y - x >= 0 ? "+" : ""}${format(y - x)}`;
  const lines = [
    `A: ${names[0]} (${label(a)}, ${a.finished_at})`,
    `B: ${names[1]} (${label(b)}, ${b.finished_at})`,
    "",
    "                       A        B    B−A",
  ];
  const row = (
    name: string,
    x: number | null | undefined,
    y: number | null | undefined,
    fmt: (v: number | null | undefined) => string,
    d: (v: number) => string,
  ) => `${name.padEnd(18)} ${fmt(x).padStart(8)} ${fmt(y).padStart(8)} ${delta(x, y, d).padStart(6)}`;
  lines.push(
    row("success, all", a.summary.success_rate, b.summary.success_rate, percent, (v) => `${Math.round(v * 100)}pt`),
  );
  for (const tier of TIERS)
    lines.push(
      row(
        `success, ${tier}`,
        a.summary.tiers[tier]?.success_rate,
        b.summary.tiers[tier]?.success_rate,
        percent,
        (v) => `${Math.round(v * 100)}pt`,
      ),
    );
  lines.push(
    row(
      "files passing",
      a.summary.file_pass_rate,
      b.summary.file_pass_rate,
      percent,
      (v) => `${Math.round(v * 100)}pt`,
    ),
  );
  for (const stage of Object.keys(STAGE_TARGETS)) {
    lines.push(
      row(stage.replace(/_s$/, ""), a.summary.stages[stage]?.median, b.summary.stages[stage]?.median, secs, (v) =>
        v.toFixed(1),
      ),
    );
  }
  const before = new Map(a.issues.map((i) => [i.id, i.passed]));
  const changed = b.issues.filter((i) => before.has(i.id) && before.get(i.id) !== i.passed);
  lines.push(
    "",
    changed.length ? "Issues that changed:" : "No issue changed its verdict.",
    ...changed.map((i) => `  ${i.id}: ${before.get(i.id) ? "PASS" : "FAIL"} → ${i.passed ? "PASS" : "FAIL"}`),
  );
  const onlyOne = [
    ...a.issues.filter((i) => !b.issues.some((j) => j.id === i.id)).map((i) => `${i.id} (only in A)`),
    ...b.issues.filter((i) => !before.has(i.id)).map((i) => `${i.id} (only in B)`),
  ];
  if (onlyOne.length) lines.push(`Not in both: ${onlyOne.join(", ")}`);
  return lines.join("\n");
}
