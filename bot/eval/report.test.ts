// What `dellm eval` prints and draws: a failed issue says why, the reference planner's task counts
// are not read as a planner's score, and every bar in the stage chart is time ÷ target.
import { describe, expect, it } from "vitest";
import { reportChart } from "./chart.js";
import { describeReport, summarize, type EvalReport, type IssueOutcome } from "./report.js";

const outcome = (id: string, passed: boolean, extra: Partial<IssueOutcome> = {}): IssueOutcome => ({
  id,
  tier: "simple",
  title: id,
  passed,
  hidden: { passed: passed ? 1 : 0, failed: passed ? 0 : 1 },
  tasks: 1,
  files: { total: 1, passed: passed ? 1 : 0 },
  stages: { total_s: 4, test_s: 5, merge_s: 2 },
  ...extra,
});

function report(issues: IssueOutcome[], planner: string): EvalReport {
  return {
    version: 1,
    started_at: "2026-01-01T00:00:00Z",
    finished_at: "2026-01-01T00:01:00Z",
    complete: true,
    config: { mode: "pipeline", model: "m", planner, workers: 1, repairs: 0, only: null },
    issues,
    summary: summarize(issues),
  };
}

describe("describeReport", () => {
  it("says why an issue failed its hidden tests when the job itself raised no error", () => {
    const text = describeReport(
      report(
        [
          outcome("simple/01-fibonacci", false, {
            hidden: { passed: 0, failed: 1, reason: "ModuleNotFoundError: No module named 'fibonacci'" },
          }),
        ],
        "local",
      ),
    );
    const row = text.split("\n").find((line) => line.startsWith("FAIL simple/01-fibonacci"))!;
    expect(row).toMatch(/0\/1 .*\(ModuleNotFoundError: No module named 'fibonacci'\)$/);
  });

  it("shows a brownfield issue's repository tests and names the test it broke", () => {
    const text = describeReport(
      report(
        [
          outcome("brownfield/02-item-quantity", false, {
            tier: "brownfield",
            hidden: { passed: 7, failed: 0 },
            repository: {
              kept: false,
              passed: 6,
              failed: 1,
              regressions: ["tests/test_item.py::test_negative_price_is_rejected"],
              reason: "regression: tests/test_item.py::test_negative_price_is_rejected",
            },
          }),
          outcome("simple/01-fibonacci", true),
        ],
        "local",
      ),
    );
    const rows = text.split("\n");
    expect(rows.find((l) => l.startsWith("FAIL brownfield/02-item-quantity"))).toMatch(
      / 7\/7 +6\/7 .*\(regression: tests\/test_item\.py::test_negative_price_is_rejected\)$/,
    );
    expect(rows.find((l) => l.startsWith("PASS simple/01-fibonacci"))).toMatch(/ 1\/1 +— /);
    expect(text).toContain("  brownfield 0/1 (0%)");
  });

  it("does not read the reference plans' task counts as a planner's score", () => {
    const line = (planner: string) =>
      describeReport(report([outcome("a", true)], planner))
        .split("\n")
        .find((l) => l.startsWith("Planner gave 3–6 tasks"))!;
    expect(line("reference (known-good answers)")).toMatch(
      /goal 90%\); not a measure here: this planner replays the suite's reference plans/,
    );
    expect(line("claude-sonnet-4")).toBe("Planner gave 3–6 tasks: 0% of plans (goal 90%)");
  });
});

describe("reportChart", () => {
  it("draws every stage bar as time ÷ target and gives a stage without a target (merge) only its time", () => {
    const svg = reportChart(report([outcome("a", true)], "local"));
    const rows = svg.split("\n");
    const testRow = rows.findIndex((l) => />test</.test(l));
    const mergeRow = rows.findIndex((l) => />merge</.test(l));
    // test: 5 s of a 10 s target = a quarter of the bar (the target line sits at half).
    const [background, bar] = rows.slice(testRow + 1, testRow + 3).map((l) => Number(l.match(/width="([\d.]+)"/)![1]));
    expect(bar! / background!).toBeCloseTo(0.25, 2);
    expect(rows[mergeRow + 1]).toContain("2.00 s (no target)");
    expect(rows[mergeRow + 1]).not.toContain("<rect");
  });
});
