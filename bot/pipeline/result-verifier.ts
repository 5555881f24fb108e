// Volunteer results are claims. Before anything is merged the bot re-runs each file's tests in its
// own sandbox (with the code of the tasks it depends on, as the worker had it) and the file is
// marked by the bot's verdict; a worker's "passed" counts for nothing on its own.
import { repoRelativePath } from "../../shared/repo-path.js";
import type { Result, SourceFile, Task, TestResult } from "../../shared/schemas.js";
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import { dependencyOrder, transitiveDependencies } from "../../shared/task-graph.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { testLog } from "../../shared/sandbox/pytest-report.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import { taskSandboxRun, type RepositoryView } from "../../shared/sandbox/task-run.js";

export interface Verification {
  results: Map<number, Result>;
  /** Tasks where the worker said one thing and the bot's re-test another. */
  disagreed: number[];
}

export interface VerifyOptions {
  /** Re-test only these tasks (a retry); the others are returned as they are. */
  only?: ReadonlySet<number>;
  /** Several volunteers' results per task (replicas): each is re-tested and one is kept (see pickReplica). */
  replicas?: Map<number, Result[]>;
  /** The repository to re-test inside (as in-process workers tested); omitted = each file with its dependencies only. */
  repository?: RepositoryView;
  /**
   * The generation check (issue 22): is a candidate the named model's own answer, given its task and
   * the dependency files it was granted with? One that is not is neither tested nor merged.
   */
  checkGeneration?: (task: Task, dependencyFiles: SourceFile[], result: Result) => Promise<GenerationStatus>;
  /** Each candidate the bot's sandbox re-tested, as the worker sent it and as judged. */
  onRetested?: (claimed: Result, judged: Result) => void;
}

/** Re-test results against the dependency code already chosen, in dependency order. */
export async function verifyResults(
  tasks: Task[],
  results: Map<number, Result>,
  sandbox: Sandbox,
  options: VerifyOptions = {},
): Promise<Verification> {
  const verified = new Map(results);
  const disagreed: number[] = [];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const pathOf = (id: number) => repoRelativePath(byId.get(id)!.directory, byId.get(id)!.file);
  for (const id of dependencyOrder(tasks)) {
    const candidates = options.replicas?.get(id) ?? (results.has(id) ? [results.get(id)!] : []);
    if (candidates.length === 0 || (options.only && !options.only.has(id))) continue;
    const path = pathOf(id);
    const dependencies = transitiveDependencies(tasks, id).flatMap((dep) => {
      const code = verified.get(dep)?.code;
      return code ? [{ path: pathOf(dep), content: code }] : [];
    });
    const tested: Result[] = [];
    for (const candidate of candidates) {
      if (!candidate.code.trim()) {
        tested.push({ ...candidate, test_passed: false });
        continue;
      }
      const generation = await options.checkGeneration?.(byId.get(id)!, dependencies, candidate);
      if (generation?.status === "failed") {
        tested.push(notTheModelsAnswer(candidate, generation));
        continue;
      }
      const test = await sandbox.run(taskSandboxRun(path, candidate.code, dependencies, options.repository));
      const judged: Result = { ...withVerdict(candidate, test), ...(generation ? { generation } : {}) };
      options.onRetested?.(candidate, judged);
      tested.push(judged);
    }
    const picked = pickReplica(tested);
    const chosen = withReplicaAgreement(picked, tested);
    const claimed = candidates[tested.indexOf(picked)]!.test_passed;
    if (claimed !== chosen.test_passed) disagreed.push(id);
    verified.set(
      id,
      tested.length > 1
        ? { ...chosen, notes: [...chosen.notes, replicaNote(tested, chosen, "the bot's re-test")].slice(-50) }
        : chosen,
    );
  }
  return { results: verified, disagreed };
}

/** Without the bot's re-test: one result per task from the replicas, by what the workers claim. */
export function chooseByClaims(results: Map<number, Result>, replicas: Map<number, Result[]>): Map<number, Result> {
  const chosen = new Map(results);
  for (const [id, candidates] of replicas) {
    const pick = pickReplica(candidates);
    chosen.set(
      id,
      candidates.length > 1
        ? { ...pick, notes: [...pick.notes, replicaNote(candidates, pick, "their own tests")].slice(-50) }
        : pick,
    );
  }
  return chosen;
}

/**
 * The seed's V2 voting: among results that pass, the code most of them agree on (the same text up to
 * whitespace at line ends and the file's end), the earliest on a tie; when none passes, the first.
 */
export function pickReplica(candidates: Result[]): Result {
  const passing = candidates.filter((r) => r.test_passed);
  if (passing.length === 0) return candidates[0]!;
  const votes = new Map<string, Result[]>();
  for (const result of passing) {
    const key = sameCode(result.code);
    votes.set(key, [...(votes.get(key) ?? []), result]);
  }
  return [...votes.values()].reduce((best, group) => (group.length > best.length ? group : best))[0]!;
}

/**
 * Code as replicas are compared: line ends and trailing blanks normalised, indentation and every
 * other character kept (in Python, indentation is meaning: two files that differ there differ).
 */
export function sameCode(code: string): string {
  return code
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();
}

/**
 * The fallback when the model could not check a file (issue 22): greedy decoding makes honest
 * replicas write the same file, so a kept file that others wrote too says how many agree.
 */
function withReplicaAgreement(chosen: Result, tested: Result[]): Result {
  if (tested.length < 2 || !chosen.test_passed || chosen.generation?.status === "checked") return chosen;
  const agree = tested.filter((r) => r.test_passed && sameCode(r.code) === sameCode(chosen.code)).length;
  if (agree < 2) return chosen;
  const reason =
    chosen.generation?.status === "not_checked" ? chosen.generation.reason : "not checked against the model";
  return { ...chosen, generation: { status: "replicas_agree", agree, of: tested.length, reason } };
}

function replicaNote(candidates: Result[], chosen: Result, judge: string): string {
  const passed = candidates.filter((r) => r.test_passed).length;
  const same = candidates.filter((r) => r.test_passed && sameCode(r.code) === sameCode(chosen.code)).length;
  return `${candidates.length} replicas (${candidates.map((r) => r.worker_id).join(", ")}): ${passed} passed ${judge}; kept ${chosen.worker_id}'s${same > 1 ? `, the same code as ${same - 1} other(s)` : ""}`;
}

/** A file the generation check refused: its code is dropped (never tested, never merged), the reason kept. */
function notTheModelsAnswer(result: Result, generation: Extract<GenerationStatus, { status: "failed" }>): Result {
  const reason = `not the model's answer (checked by ${generation.by}): ${generation.reason}`;
  return {
    ...result,
    code: "",
    test_passed: false,
    verdict: "not_model_answer",
    generation,
    error: reason,
    test_logs: reason,
    notes: [...result.notes, reason].slice(-50),
  };
}

function withVerdict(result: Result, test: TestResult): Result {
  const claimed = result.test_passed ? "passed" : "failed";
  // A file that tried to fake its verdict is marked as such, not merely as failed.
  const verdict = test.success
    ? "passed"
    : test.verdict === "tampering"
      ? "found verdict tampering"
      : test.verdict === "unknown"
        ? "gave no verdict"
        : "failed";
  const log = testLog(test).slice(-8_000);
  return {
    ...result,
    test_passed: test.success,
    ...(test.verdict ? { verdict: test.verdict } : {}),
    tests_passed: test.tests_passed,
    tests_failed: test.tests_failed,
    test_logs: test.success ? result.test_logs : log,
    notes: [
      ...result.notes,
      claimed === verdict
        ? `the bot's re-test agrees: ${verdict}`
        : `the worker reported ${claimed}; the bot's re-test ${verdict}${test.tampering ? ` (${test.tampering.join("; ")})` : ""}`,
    ].slice(-50),
  };
}

/** The bot's own sandbox for re-tests, checked at start; the error says how to run without it. */
export async function openVerifier(image: string, timeoutSeconds: number, howToSkip: string): Promise<DockerSandbox> {
  const sandbox = new DockerSandbox({ image, timeoutSeconds });
  await sandbox.check().catch((error: Error) => {
    throw new Error(
      `${error.message}; the bot re-tests volunteers' results before merging (${howToSkip} to merge them untested)`,
    );
  });
  return sandbox;
}
