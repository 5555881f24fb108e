// The repository's own test suite, run in the bot's sandbox on the base commit and on the merged
// result, and compared test by test: what the job broke (regressions), fixed, or left failing. The
// verdict comes from the sandbox runner's structured per-test log, as for the files' own tests.
import type { SourceFile, TestOutcome, TestResult } from "../../shared/schemas.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import { testLog } from "../../shared/sandbox/pytest-report.js";
import { sourceRoots } from "../../shared/source-roots.js";

/** What runs: test files and pytest's selection options, from test_command or found by name. */
export interface RepositoryTestPlan {
  /** As shown to people. */
  command: string;
  targets: string[];
  args: string[];
}

const TEST_FILE = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;
const LOG_CHARS_PER_TEST = 3_000;

/** pytest's own naming rule for test files. */
export function isTestFile(path: string): boolean {
  return TEST_FILE.test(path) && !path.split("/").some((part) => part.startsWith("."));
}

/**
 * The tests to run among `paths`: those test_command names (files, or folders holding them), or every
 * test file. Null when there is none.
 */
export function planRepositoryTests(
  paths: readonly string[],
  testCommand?: ParsedTestCommand,
): RepositoryTestPlan | null {
  const tests = paths.filter(isTestFile);
  const wanted = testCommand?.paths ?? [];
  const targets = wanted.length
    ? tests.filter((t) => wanted.some((w) => t === w || t.startsWith(`${w.replace(/\/+$/, "")}/`)))
    : tests;
  if (targets.length === 0) return null;
  const args = testCommand?.args ?? [];
  return { command: testCommand?.text ?? testCommandText(targets, args), targets, args };
}

/** A run of these test files as shown to people: up to 5 named, else their count. */
export function testCommandText(targets: readonly string[], args: readonly string[] = []): string {
  const selection = args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(" ");
  return `pytest -q ${targets.length > 5 ? `(${targets.length} test files)` : targets.join(" ")}${selection ? ` ${selection}` : ""}`;
}

export interface ParsedTestCommand {
  text: string;
  paths: string[];
  args: string[];
}

/**
 * A test_command from .github/dellm.yml. It runs through dellm's sandboxed pytest runner, never a
 * shell, so only what selects tests is accepted: test paths and -k/-m expressions (-q/-v are ignored).
 */
export function parseTestCommand(text: string): ParsedTestCommand {
  const words = splitWords(text);
  const start =
    words[0] === "pytest" ? 1 : words[0] === "python" && words[1] === "-m" && words[2] === "pytest" ? 3 : -1;
  if (start < 0)
    throw new Error(
      `test_command must start with "pytest" or "python -m pytest" (dellm runs the repository's tests with pytest in its sandbox), not "${words[0]}"`,
    );
  const paths: string[] = [];
  const args: string[] = [];
  for (let i = start; i < words.length; i++) {
    const word = words[i]!;
    if (word === "-q" || word === "-v" || word === "-qq") continue;
    if (word === "-k" || word === "-m") {
      const value = words[++i];
      if (value === undefined) throw new Error(`test_command: ${word} needs an expression after it`);
      args.push(word, value);
      continue;
    }
    if (word.startsWith("-"))
      throw new Error(
        `test_command: the option ${word} is not supported; dellm accepts test paths, -k and -m (its runner sets everything else)`,
      );
    const path = word.replace(/^\.\//, "");
    if (path.startsWith("/") || path.split("/").includes(".."))
      throw new Error(`test_command: ${word} is not a path inside the repository`);
    paths.push(path.split("::")[0]!);
  }
  return { text: text.trim(), paths, args };
}

/** Words as a shell splits them, quotes ('…' or "…") grouping; nothing is expanded. */
function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

/** One run of the plan on these files; only `scanned` (what the job wrote) is checked for tampering. */
export function runRepositoryTests(
  sandbox: Sandbox,
  files: SourceFile[],
  plan: RepositoryTestPlan,
  options: { scanned: string[]; timeoutSeconds: number; image?: string },
): Promise<TestResult> {
  const roots = sourceRoots(files);
  return sandbox.run({
    files,
    testTargets: plan.targets,
    checkPaths: options.scanned,
    pytestArgs: ["--continue-on-collection-errors", ...plan.args],
    repositoryConftest: true,
    insideRepository: true,
    ...(roots.length ? { sourceRoots: roots } : {}),
    timeoutSeconds: options.timeoutSeconds,
    ...(options.image ? { image: options.image } : {}),
  });
}

export interface TestComparison {
  /** Failing after the change, passing (or absent) before. */
  regressions: string[];
  newlyPassing: string[];
  failingBeforeAndAfter: string[];
  passingAfter: number;
  /** Why the run after the change gave no per-test verdict (it timed out, was refused, …). */
  afterBroken?: string;
  /** Why the base run gave no per-test verdict: nothing to compare with. */
  beforeBroken?: string;
}

const FAILING: ReadonlySet<TestOutcome> = new Set(["failed", "error", "unfinished"]);

/** A run whose per-test outcomes can be believed: the runner judged it (no timeout, no tampering). */
function brokenReason(run: TestResult): string | undefined {
  const judged = ["passed", "failed", "no_tests", "missing_dependency"];
  if (run.verdict !== undefined && judged.includes(run.verdict)) return undefined;
  return run.failure_reason ?? `verdict ${run.verdict ?? "missing"}`;
}

export function compareRuns(before: TestResult, after: TestResult): TestComparison {
  const beforeBroken = brokenReason(before);
  const afterBroken = brokenReason(after);
  const outcomesBefore = new Map((before.test_outcomes ?? []).map((t) => [t.id, t.outcome]));
  const outcomesAfter = afterBroken ? [] : (after.test_outcomes ?? []);
  const comparison: TestComparison = {
    regressions: [],
    newlyPassing: [],
    failingBeforeAndAfter: [],
    passingAfter: 0,
    ...(afterBroken ? { afterBroken } : {}),
    ...(beforeBroken ? { beforeBroken } : {}),
  };
  for (const { id, outcome } of outcomesAfter) {
    const was = beforeBroken ? undefined : outcomesBefore.get(id);
    const failingNow = FAILING.has(outcome);
    if (!failingNow) comparison.passingAfter++;
    if (failingNow && beforeBroken) comparison.failingBeforeAndAfter.push(id);
    else if (failingNow && (was === undefined || !FAILING.has(was))) comparison.regressions.push(id);
    else if (failingNow) comparison.failingBeforeAndAfter.push(id);
    else if (was !== undefined && FAILING.has(was)) comparison.newlyPassing.push(id);
  }
  return comparison;
}

/** A run's tests counted: failed, error or unfinished fail (as the comparison has it); skipped ones count neither way. */
export function tally(run: TestResult): { passed: number; failed: number } {
  const outcomes = run.test_outcomes ?? [];
  const failed = outcomes.filter((t) => FAILING.has(t.outcome)).length;
  return { passed: outcomes.filter((t) => t.outcome !== "skipped").length - failed, failed };
}

/** True when the change made things worse in a way the comparison can show. */
export function hasRegressions(comparison: TestComparison): boolean {
  return comparison.regressions.length > 0 || (comparison.afterBroken !== undefined && !comparison.beforeBroken);
}

/**
 * pytest's failure section for one test (from the run's console text, which is only a log for
 * people), else the tail of the whole log.
 */
export function failureLogOf(run: TestResult, testId: string): string {
  const [file, ...rest] = testId.split("::");
  const title = rest.length ? rest.join(".") : `ERROR collecting ${file}`;
  const lines = run.stdout.split("\n");
  const header = lines.findIndex((line) => /^_{3,} .* _{3,}$/.test(line) && line.replace(/^_+ | _+$/g, "") === title);
  if (header >= 0) {
    const end = lines.findIndex((line, i) => i > header && (/^_{3,} .* _{3,}$/.test(line) || /^={3,}/.test(line)));
    return lines
      .slice(header, end < 0 ? undefined : end)
      .join("\n")
      .slice(-LOG_CHARS_PER_TEST);
  }
  return testLog(run).slice(-LOG_CHARS_PER_TEST);
}

/** Test file of a pytest node id. */
export function testFileOf(testId: string): string {
  return testId.split("::")[0]!;
}
