// dellm eval proves itself on a two-issue suite through the real pipeline (local swarm on
// loopback, Docker sandbox, git): the reference model scores 100 % on the hidden tests, the empty
// model 0 %, the reference baseline 100 %; results, chart and comparison are written. Plus the
// pieces that parse untrusted or hand-written input.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTinySuite } from "../../test/eval-fixtures.js";
import { parseFileBlocks, renderFileBlocks } from "./baseline.js";
import { readEnv } from "../../shared/config.js";
import { evalCommand } from "../commands/eval.js";
import { readReport, summarize, type IssueOutcome } from "./report.js";
import { loadSuite } from "./suite.js";

const env = readEnv({});
const quiet = { isTTY: false, write: (_text: string) => true };

async function evaluate(
  suite: string,
  out: string,
  ...args: string[]
): Promise<{ lines: string[]; progress: string[] }> {
  const lines: string[] = [];
  const progress: string[] = [];
  expect(
    await evalCommand(["--suite", suite, "--out", out, "--workers", "2", ...args], {
      env,
      log: (l) => lines.push(l),
      progress: { isTTY: false, write: (t: string) => progress.push(t) },
    }),
  ).toBe(0);
  return { lines, progress };
}

describe("dellm eval", () => {
  it("scores the reference model 100 % and the empty one 0 %, in the pipeline and the baseline, and compares runs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-eval-test-"));
    const suite = await writeTinySuite(join(dir, "suite"));

    const reference = await evaluate(suite, join(dir, "reference.json"), "--model", "reference");
    const good = await readReport(join(dir, "reference.json"));
    expect(good.complete).toBe(true);
    expect(good.summary).toMatchObject({ issues: 2, passed: 2, success_rate: 1, file_pass_rate: 1 });
    expect(good.issues.map((i) => [i.id, i.passed, i.tasks, i.hidden.passed])).toEqual([
      ["simple/01-add", true, 1, 2],
      ["medium/01-greeting-api", true, 2, 1],
    ]);
    for (const stage of [
      "decompose_s",
      "distribute_s",
      "generate_s",
      "test_s",
      "collect_s",
      "merge_s",
      "total_s",
    ] as const) {
      expect(good.issues[1]!.stages[stage], stage).toBeGreaterThanOrEqual(0);
    }
    expect(reference.progress).toEqual([
      expect.stringContaining("1/2 issues, 1 passed — PASS simple/01-add"),
      expect.stringContaining("2/2 issues, 2 passed — PASS medium/01-greeting-api"),
    ]);
    expect(reference.lines.join("\n")).toMatch(/End-to-end success: 2\/2 \(100%\)/);
    const svg = await readFile(join(dir, "reference.svg"), "utf8");
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain("medium (1/1)");

    await evaluate(suite, join(dir, "empty.json"), "--model", "empty");
    const empty = await readReport(join(dir, "empty.json"));
    expect(empty.summary).toMatchObject({ issues: 2, passed: 0, success_rate: 0, file_pass_rate: 0 });
    expect(empty.issues.every((i) => !i.passed && i.hidden.passed === 0)).toBe(true);

    await evaluate(suite, join(dir, "baseline.json"), "--model", "reference", "--baseline", "--only", "medium");
    const baseline = await readReport(join(dir, "baseline.json"));
    expect(baseline.config).toMatchObject({ mode: "baseline", only: "medium" });
    expect(baseline.issues.map((i) => [i.id, i.passed, i.tasks, i.files])).toEqual([
      ["medium/01-greeting-api", true, null, { total: 2, passed: 2 }],
    ]);

    const compared: string[] = [];
    expect(
      await evalCommand(["--compare", join(dir, "reference.json"), join(dir, "empty.json")], {
        env,
        log: (l) => compared.push(l),
        progress: quiet,
      }),
    ).toBe(0);
    expect(compared.join("\n")).toMatch(/success, all\s+100%\s+0%\s+-100pt/);
    expect(compared.join("\n")).toContain("simple/01-add: PASS → FAIL");
  }, 120_000);

  it("refuses a results file that is not one, and a suite issue that is incomplete, naming the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-eval-test-"));
    await writeFile(join(dir, "x.json"), JSON.stringify({ hello: 1 }));
    await expect(
      evalCommand(["--compare", join(dir, "x.json"), join(dir, "x.json")], { env, log: () => {}, progress: quiet }),
    ).rejects.toThrow(/x\.json is not a dellm eval results file/);

    const suite = await writeTinySuite(join(dir, "suite"));
    await rm(join(suite, "medium/01-greeting-api/reference/app/greet.py"));
    await expect(loadSuite(suite)).rejects.toThrow(
      /eval issue medium\/01-greeting-api .*plan\.json task 2 writes app\/greet\.py, but reference\/app\/greet\.py is missing/,
    );
    await expect(loadSuite(suite, "hard")).rejects.toThrow(
      /"hard" is neither a tier \(simple, medium, complex, brownfield\) nor an issue id/,
    );
    expect((await loadSuite(suite, "simple/01-add")).map((i) => [i.id, i.title])).toEqual([
      ["simple/01-add", "Add two numbers"],
    ]);
  });
});

describe("baseline answers", () => {
  it("reads the files back as written, and drops unsafe, repeated or non-Python paths with a note", () => {
    const files = [
      { path: "a.py", content: "x = 1\n" },
      { path: "pkg/b.py", content: "y = 2\n" },
    ];
    expect(parseFileBlocks(renderFileBlocks(files))).toEqual({ files, notes: [] });
    const { files: kept, notes } = parseFileBlocks(
      "### FILE: ../evil.py\nx\n### FILE: a.py\n```python\nok = 1\n```\n### FILE: a.py\ndup\n### FILE: notes.txt\nhi\n",
    );
    expect(kept).toEqual([{ path: "a.py", content: "ok = 1\n" }]);
    expect(notes).toEqual([
      expect.stringMatching(/"\.\." would leave the repository/),
      "skipped a second a.py",
      "skipped notes.txt: only Python files are written",
    ]);
    expect(parseFileBlocks("def f(): pass").notes).toEqual(['the answer has no "### FILE:" blocks']);
  });
});

describe("eval summary", () => {
  it("computes rates per tier, the 3–6 task share and stage medians against the seed's targets", () => {
    const outcome = (
      id: string,
      tier: IssueOutcome["tier"],
      passed: boolean,
      tasks: number | null,
      total_s: number,
    ): IssueOutcome => ({
      id,
      tier,
      title: id,
      passed,
      hidden: { passed: passed ? 1 : 0, failed: passed ? 0 : 1 },
      tasks,
      files: { total: 2, passed: passed ? 2 : 1 },
      stages: { total_s, decompose_s: 1 },
    });
    const summary = summarize([
      outcome("a", "simple", true, 1, 10),
      outcome("b", "medium", true, 4, 50),
      outcome("c", "medium", false, 3, 30),
      outcome("d", "complex", false, null, 70),
    ]);
    expect(summary.tiers).toEqual({
      simple: { issues: 1, passed: 1, success_rate: 1 },
      medium: { issues: 2, passed: 1, success_rate: 0.5 },
      complex: { issues: 1, passed: 0, success_rate: 0 },
    });
    expect(summary.decomposition_3_to_6).toBeCloseTo(2 / 3);
    expect(summary.file_pass_rate).toBeCloseTo(6 / 8);
    expect(summary.stages.total_s).toEqual({ median: 30, max: 70, target: 45, met: true });
    expect(summary.stages.distribute_s).toEqual({ median: null, max: null, target: 1, met: null });
  });
});
