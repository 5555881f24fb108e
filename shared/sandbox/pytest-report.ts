// Reads pytest's final summary line ("1 failed, 2 passed in 0.05s") out of its console output.
// Pure functions, no I/O: the sandbox hands in whatever the container printed (and testLog
// joins what a run said for logs and prompts).
import type { TestResult } from "../schemas.js";

export interface PytestSummary {
  passed: number;
  failed: number;
  /** Errors in setup/teardown or collection; dellm counts them as failed tests. */
  errors: number;
  skipped: number;
  xfailed: number;
  xpassed: number;
  deselected: number;
  warnings: number;
  /** pytest said "no tests ran" (nothing collected, or everything deselected). */
  noTestsRan: boolean;
  /** The duration pytest printed, in seconds. */
  durationSeconds?: number;
  /** The summary line as printed, without the "=====" framing. */
  line: string;
}

const COUNT_KEYS = {
  passed: "passed",
  failed: "failed",
  error: "errors",
  errors: "errors",
  skipped: "skipped",
  xfailed: "xfailed",
  xpassed: "xpassed",
  deselected: "deselected",
  warning: "warnings",
  warnings: "warnings",
} as const satisfies Record<string, keyof PytestSummary>;

type CountKey = (typeof COUNT_KEYS)[keyof typeof COUNT_KEYS];

// "[===== ]<parts> in 1.23s[ (0:00:01)][ =====]"; the framing is there without -q, absent with it.
const SUMMARY_LINE = /^=*\s*(.+?)\s+in\s+(\d+(?:\.\d+)?)s(?:\s+\([0-9:.]+\))?\s*=*$/;
const PART = /^(\d+)\s+([a-z]+)$/;

/**
 * The last pytest summary line in `output`, or undefined when there is none (pytest never got that
 * far: crash, timeout, syntax check failed, usage error).
 */
export function parsePytestSummary(output: string): PytestSummary | undefined {
  const lines = output.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const summary = parseSummaryLine(stripAnsi(lines[i] ?? "").trim());
    if (summary) return summary;
  }
  return undefined;
}

function parseSummaryLine(line: string): PytestSummary | undefined {
  const match = SUMMARY_LINE.exec(line);
  if (!match) return undefined;
  const body = match[1] ?? "";
  const summary: PytestSummary = {
    passed: 0,
    failed: 0,
    errors: 0,
    skipped: 0,
    xfailed: 0,
    xpassed: 0,
    deselected: 0,
    warnings: 0,
    noTestsRan: false,
    durationSeconds: Number(match[2]),
    line: line.replace(/^=+\s*/, "").replace(/\s*=+$/, ""),
  };
  let recognised = false;
  for (const rawPart of body.split(",")) {
    const part = rawPart.trim();
    if (part === "no tests ran") {
      summary.noTestsRan = true;
      recognised = true;
      continue;
    }
    const partMatch = PART.exec(part);
    if (!partMatch) return undefined; // not a summary line after all (a test printed "... in 3s")
    const key = (COUNT_KEYS as Record<string, CountKey | undefined>)[partMatch[2] ?? ""];
    if (key === undefined) {
      // Counts added by plugins (e.g. "2 rerun") are tolerated but not kept.
      recognised = true;
      continue;
    }
    summary[key] += Number(partMatch[1]);
    recognised = true;
  }
  return recognised ? summary : undefined;
}

/** Tests dellm counts as failed: failures plus errors (a strict xfail that passed is already in `failed`). */
export function failedCount(summary: PytestSummary): number {
  return summary.failed + summary.errors;
}

/** What a pytest exit status means (https://docs.pytest.org/en/stable/reference/exit-codes.html). */
export function describePytestExit(code: number): string {
  switch (code) {
    case 0:
      return "all tests passed";
    case 1:
      return "some tests failed";
    case 2:
      return "test run interrupted (e.g. an error while collecting the tests)";
    case 3:
      return "pytest internal error";
    case 4:
      return "pytest usage error";
    case 5:
      return "no tests collected";
    default:
      return `unexpected exit status ${code}`;
  }
}

// Strips colour codes, in case a run forced colour output on.
function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** What a test run said, for logs and repair prompts: the failure reason, then pytest's stdout and stderr. */
export function testLog(test: Pick<TestResult, "failure_reason" | "stdout" | "stderr">): string {
  return [test.failure_reason, test.stdout, test.stderr].filter(Boolean).join("\n");
}
