// Turns what the sandbox container did into a TestResult. The verdict is the runner's keyed line
// (see sandbox-runner.ts), never pytest's console text: stdout is only kept as the log shown to
// people and repair prompts. What the host itself saw (timeout, OOM kill) comes first, since then
// the runner could not finish.
import { z } from "zod";
import { TestOutcomeSchema, type TestResult } from "../schemas.js";

const count = z.number().int().nonnegative();

/** The runner's verdict line, after its key. The runner is ours, but the line crosses the container edge. */
export const RunnerVerdictSchema = z.object({
  verdict: z.enum(["passed", "failed", "no_tests", "syntax_error", "tampering", "unknown"]),
  reason: z.string().max(4_000).nullable(),
  exit_status: z.number().int().nullable(),
  tampering: z.array(z.string().max(500)).max(50),
  passed: count.default(0),
  failed: count.default(0),
  skipped: count.default(0),
  xfailed: count.default(0),
  xpassed: count.default(0),
  collected: count.default(0),
  /** Each collected test's outcome ("unfinished": no complete report; "error": its file failed to collect). */
  tests: z
    .array(z.tuple([z.string().max(500), TestOutcomeSchema]))
    .max(10_000)
    .default([]),
  tests_truncated: z.boolean().default(false),
});
export type RunnerVerdict = z.infer<typeof RunnerVerdictSchema>;

/** The verdict behind the last occurrence of `key` in `output`, or undefined when there is none or it is malformed. */
export function findVerdict(output: string, key: string): RunnerVerdict | undefined {
  const at = output.lastIndexOf(`${key} `);
  if (at < 0) return undefined;
  const line = output.slice(at + key.length + 1).split("\n")[0] ?? "";
  try {
    const parsed = RunnerVerdictSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `output` without the verdict line (the key must not reach logs, and people need not see it). */
export function withoutVerdictLine(output: string, key: string): string {
  return output.replace(new RegExp(`${key} [^\n]*\n?`, "g"), ""); // the key is hex: no regex characters
}

export interface ContainerRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  executionTime: number;
  timedOut: boolean;
  timeoutSeconds: number;
  oomKilled: boolean;
  memoryLimitMb: number;
  verdict: RunnerVerdict | undefined;
}

export function toTestResult(run: ContainerRun): TestResult {
  const verdict = run.verdict;
  const base = {
    stdout: run.stdout,
    stderr: run.stderr,
    tests_passed: verdict?.passed ?? 0,
    tests_failed: verdict?.failed ?? 0,
    execution_time: run.executionTime,
  };
  const failure = (kind: NonNullable<TestResult["verdict"]>, reason: string): TestResult => ({
    ...base,
    success: false,
    verdict: kind,
    failure_reason: reason,
  });
  if (run.timedOut) return failure("timed_out", `timed out after ${run.timeoutSeconds} s; the container was killed`);
  if (run.oomKilled)
    return failure("out_of_memory", `ran out of memory (limit ${run.memoryLimitMb} MB); the kernel killed the tests`);
  if (!verdict) {
    if (run.exitCode === 137) return failure("killed", "the container was killed (exit 137)");
    return failure("unknown", `verdict unavailable: the sandbox runner wrote no verdict (exit status ${run.exitCode})`);
  }
  const outcomes = verdict.tests.length
    ? {
        test_outcomes: verdict.tests.map(([id, outcome]) => ({ id, outcome })),
        tests_truncated: verdict.tests_truncated,
      }
    : {};
  if (verdict.verdict === "passed") return { ...base, ...outcomes, success: true, verdict: "passed" };
  const result = { ...failure(verdict.verdict, verdict.reason ?? `verdict ${verdict.verdict}`), ...outcomes };
  return verdict.tampering.length > 0 ? { ...result, tampering: verdict.tampering } : result;
}
