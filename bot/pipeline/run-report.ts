// What `dellm run`'s results block says of each written file beyond the seed's "(passed tests)":
// whether it is new or how many lines the job changed, which tests failed, where its full test log
// was written, and which tests a person runs to see the same (the file's own and the repository
// tests that import it).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { repositoryTestsFor, type RepositoryView } from "../../shared/sandbox/task-run.js";
import type { Result } from "../../shared/schemas.js";
import { keptAttempt } from "./generation-verifier.js";
import type { MergeOutcome } from "./merger.js";

/** Failing tests named per file; the rest are counted. */
const MAX_FAILING_NAMED = 5;

export interface FileDetail {
  /** "new file", or "edited (N lines)": lines added plus lines removed against the job's start. */
  change: string;
  /** Test ids that failed or errored in the run the verdict comes from (at most MAX_FAILING_NAMED, then "and N more"). */
  failing: string[];
  /** Where the file's full test log was written (failed files only). */
  logPath?: string;
}

export interface FileDetailsInput {
  repoPath: string;
  /** The commit the job's branch started from. */
  startPoint: string;
  merge: MergeOutcome;
  results: Map<number, Result>;
  jobId: string;
  /** Failed files' logs go to `<logDir>/<jobId>/`; omitted = not written. */
  logDir?: string;
  repository?: RepositoryView;
}

export interface FileDetails {
  details: Map<string, FileDetail>;
  /** What "To run" hands pytest: the written modules, then the repository tests that import them. */
  testTargets: string[];
}

export async function fileDetails(input: FileDetailsInput): Promise<FileDetails> {
  const details = new Map<string, FileDetail>();
  const { merge } = input;
  if (!merge.commit) return { details, testTargets: [] };
  const git = simpleGit(input.repoPath);
  const written = merge.written.map((w) => ({ path: w.path, content: input.results.get(w.taskId)?.code ?? "" }));
  for (const file of merge.written) {
    const result = input.results.get(file.taskId);
    const detail: FileDetail = {
      change: await changeOf(git, input.startPoint, merge.commit, file.path),
      failing: file.testPassed || !result ? [] : failingTests(result),
    };
    if (!file.testPassed && result && input.logDir)
      detail.logPath = await writeLog(join(input.logDir, input.jobId), file.path, result);
    details.set(file.path, detail);
  }
  const modules = merge.written.map((w) => w.path).filter((path) => path.endsWith(".py"));
  const repositoryTests = input.repository
    ? modules.flatMap((path) => repositoryTestsFor(path, input.repository!, written))
    : [];
  return { details, testTargets: [...new Set([...modules, ...repositoryTests])] };
}

async function changeOf(
  git: ReturnType<typeof simpleGit>,
  start: string,
  commit: string,
  path: string,
): Promise<string> {
  const existed = await git.raw(["cat-file", "-e", "--end-of-options", `${start}:${path}`]).then(
    () => true,
    () => false,
  );
  if (!existed) return "new file";
  const numstat = await git.raw(["diff", "--numstat", start, commit, "--", path]);
  const [added, removed] = numstat.trim().split("\t");
  const lines = Number(added) + Number(removed);
  return Number.isFinite(lines) ? `edited (${lines} line${lines === 1 ? "" : "s"})` : "edited";
}

/** The failing test ids of the run behind the result's verdict (its kept attempt, or the bot's re-test log). */
function failingTests(result: Result): string[] {
  const outcomes = keptAttempt(result)?.test.test_outcomes ?? [];
  const failing = outcomes.filter((o) => o.outcome === "failed" || o.outcome === "error").map((o) => o.id);
  return failing.length > MAX_FAILING_NAMED
    ? [...failing.slice(0, MAX_FAILING_NAMED), `and ${failing.length - MAX_FAILING_NAMED} more`]
    : failing;
}

async function writeLog(dir: string, path: string, result: Result): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${path.replace(/[^\w.-]+/g, "__")}.log`);
  // The log of the run behind the verdict (the bot's re-test where it ran), whole as the result keeps it.
  await writeFile(file, `${result.error ? `${result.error}\n\n` : ""}${result.test_logs}\n`);
  return file;
}
