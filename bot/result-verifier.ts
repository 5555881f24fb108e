// Volunteer results are claims. Before anything is merged the bot re-runs each file's tests in its
// own sandbox (with the code of the tasks it depends on, as the worker had it) and the file is
// marked by the bot's verdict; a worker's "passed" counts for nothing on its own.
import { repoRelativePath } from "../shared/repo-path.js";
import type { Result, Task, TestResult } from "../shared/schemas.js";
import { dependencyOrder, transitiveDependencies } from "../shared/task-graph.js";
import { DockerSandbox } from "../worker/docker-sandbox.js";
import type { Sandbox } from "../worker/sandbox.js";

export interface Verification {
  results: Map<number, Result>;
  /** Tasks where the worker said one thing and the bot's re-test another. */
  disagreed: number[];
}

/** Re-test the results of `only` (default: all); the others are returned as they are. */
export async function verifyResults(tasks: Task[], results: Map<number, Result>, sandbox: Sandbox, only?: ReadonlySet<number>): Promise<Verification> {
  const verified = new Map(results);
  const disagreed: number[] = [];
  const byId = new Map(tasks.map((t) => [t.id, t]));
  for (const id of dependencyOrder(tasks)) {
    const result = results.get(id);
    if (!result || (only && !only.has(id))) continue;
    if (!result.code.trim()) {
      verified.set(id, { ...result, test_passed: false });
      continue;
    }
    const path = repoRelativePath(byId.get(id)!.directory, byId.get(id)!.file);
    const dependencies = transitiveDependencies(tasks, id).flatMap((dep) => {
      const code = verified.get(dep)?.code;
      return code ? [{ path: repoRelativePath(byId.get(dep)!.directory, byId.get(dep)!.file), content: code }] : [];
    });
    const test = await sandbox.run({ files: [...dependencies.filter((f) => f.path !== path), { path, content: result.code }], testTargets: [path] });
    if (test.success !== result.test_passed) disagreed.push(id);
    verified.set(id, withVerdict(result, test));
  }
  return { results: verified, disagreed };
}

function withVerdict(result: Result, test: TestResult): Result {
  const claimed = result.test_passed ? "passed" : "failed";
  const verdict = test.success ? "passed" : "failed";
  const log = [test.failure_reason, test.stdout, test.stderr].filter(Boolean).join("\n").slice(-8_000);
  return {
    ...result,
    test_passed: test.success,
    tests_passed: test.tests_passed,
    tests_failed: test.tests_failed,
    test_logs: test.success ? result.test_logs : log,
    notes: [...result.notes, claimed === verdict ? `the bot's re-test agrees: ${verdict}` : `the worker reported ${claimed}; the bot's re-test ${verdict}`].slice(-50),
  };
}

/** The bot's own sandbox for re-tests, checked at start; the error says how to run without it. */
export async function openVerifier(image: string, timeoutSeconds: number, howToSkip: string): Promise<DockerSandbox> {
  const sandbox = new DockerSandbox({ image, timeoutSeconds });
  await sandbox.check().catch((error: Error) => {
    throw new Error(`${error.message}; the bot re-tests volunteers' results before merging (${howToSkip} to merge them untested)`);
  });
  return sandbox;
}
