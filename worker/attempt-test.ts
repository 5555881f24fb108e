// What one code answer yields and how it tests: the whole file (a new file), or the answer's edits
// applied to the base (an existing file), run in the sandbox the way the task is tested. Shared by
// the worker's executor and the bot's generation check, which replays an attempt to reproduce the
// failure log a repair prompt quotes (issue 22): both must do exactly the same thing.
import { repoRelativePath } from "../shared/repo-path.js";
import type { Attempt, Edit, TestResult, WorkItem } from "../shared/schemas.js";
import { applyEdits, EditApplyError } from "../shared/edits/apply-edits.js";
import { EditAnswerError, parseEditAnswer } from "../shared/edits/edit-answer.js";
import { looksLikeEdits } from "../shared/edits/whole-file.js";
import type { ParsePython } from "../shared/edits/python-outline.js";
import { stripMarkdownFences } from "../shared/model/model-output.js";
import { testLog } from "../shared/sandbox/pytest-report.js";
import type { Sandbox } from "../shared/sandbox/sandbox.js";
import { repositoryOf, taskSandboxRun } from "../shared/sandbox/task-run.js";

/** Characters of a failed run's log a repair prompt quotes by default (the tail is kept). */
export const DEFAULT_REPAIR_LOG_CHARS = 4_000;

export interface AnswerTesting {
  sandbox: Sandbox;
  /** Python's parser, for symbol edits. */
  parse: ParsePython;
}

/**
 * The file the model's raw `answer` yields for the item's task, and its test run. `wholeFile`: the
 * model saw the existing file whole, so an answer without edit blocks is the whole new file.
 */
export async function testAnswer(
  item: WorkItem,
  answer: string,
  testing: AnswerTesting,
  wholeFile = false,
): Promise<Omit<Attempt, "attempt">> {
  const targetPath = repoRelativePath(item.task.directory, item.task.file);
  const existing = item.task.existing_file;
  if (!existing || (wholeFile && !looksLikeEdits(answer))) {
    const code = stripMarkdownFences(answer);
    return { code, test: code.trim() ? await runTests(item, targetPath, code, testing.sandbox) : emptyCodeResult() };
  }
  // Edits that do not parse or apply fail the attempt with the reason (the repair prompt quotes it); the file stays the base.
  let edits: Edit[] | undefined;
  try {
    edits = parseEditAnswer(answer);
    const code = await applyEdits(existing.content, edits, testing.parse);
    return { code, edits, test: await runTests(item, targetPath, code, testing.sandbox) };
  } catch (problem) {
    if (!(problem instanceof EditAnswerError || problem instanceof EditApplyError)) throw problem;
    return {
      code: "",
      ...(edits ? { edits } : {}),
      test: failedBeforeTesting(`the edits were not applied: ${problem.message}`),
    };
  }
}

/** What a repair prompt quotes of a failed run: its log, cut to its last `chars` characters. */
export function quotedFailureLog(test: TestResult, chars = DEFAULT_REPAIR_LOG_CHARS): string {
  const log = testLog(test);
  return log.length > chars ? `…${log.slice(-chars)}` : log;
}

// Inside the repository when the item carries it (in-process workers, swarm workers from the grant's
// snapshot, the bot's check from the job's view): its tests that import the file run too.
function runTests(item: WorkItem, targetPath: string, code: string, sandbox: Sandbox): Promise<TestResult> {
  return sandbox.run(taskSandboxRun(targetPath, code, item.dependencyFiles, repositoryOf(item)));
}

function failedBeforeTesting(reason: string): TestResult {
  return {
    success: false,
    stdout: "",
    stderr: "",
    tests_passed: 0,
    tests_failed: 0,
    execution_time: 0,
    failure_reason: reason,
  };
}

function emptyCodeResult(): TestResult {
  return failedBeforeTesting("the model returned no code");
}
