// Solves one task the way the seed describes: ask the model whether it can (5.2), split it if
// not (5.3), generate code with tests (5.6), test it in the sandbox, and repair on failure.
import { repoRelativePath } from "../shared/repo-path.js";
import {
  LIMITS,
  type Attempt,
  type ModelAnswer,
  type Result,
  type Subtask,
  type TestResult,
  type WorkItem,
} from "../shared/schemas.js";
import { parsePython, type ParsePython } from "../shared/edits/python-outline.js";
import type { CodeModel } from "../shared/model/code-model.js";
import type { AnswerTranscript } from "../shared/model/answer-transcript.js";
import { parseModelJson, parseYesNo } from "../shared/model/model-output.js";
import { testLog } from "../shared/sandbox/pytest-report.js";
import { CAN_SOLVE_ANSWER, previousAnswerOf, SPLIT_ANSWER, SplitAnswerSchema, TaskPrompts } from "./task-prompts.js";
import type { Prompt } from "../shared/prompts.js";
import type { Sandbox } from "../shared/sandbox/sandbox.js";
import { DEFAULT_REPAIR_LOG_CHARS, quotedFailureLog, testAnswer } from "./attempt-test.js";

export interface ExecutorOptions {
  model: CodeModel;
  sandbox: Sandbox;
  workerId: string;
  /** Regenerations after a failed test run (default 2). */
  repairAttempts?: number;
  /** Re-asks when an answer cannot be parsed (default 1 for yes/no, 2 for a split). */
  decisionRetries?: number;
  splitRetries?: number;
  /** Failure output fed back to the model is cut to this many characters (tail kept). */
  repairLogChars?: number;
  /** Python's parser for outlines and symbol edits (default: the host's python3). */
  parsePython?: ParsePython;
}

export type ExecutorEvent =
  | { kind: "deciding"; taskId: number }
  | { kind: "split"; taskId: number; subtasks: number }
  | { kind: "generating"; taskId: number; attempt: number }
  | { kind: "testing"; taskId: number; attempt: number }
  | { kind: "tested"; taskId: number; attempt: number; result: TestResult };

export class TaskExecutor {
  private readonly repairAttempts: number;
  private readonly decisionRetries: number;
  private readonly splitRetries: number;
  private readonly repairLogChars: number;
  private readonly prompts: TaskPrompts;

  constructor(private readonly options: ExecutorOptions) {
    this.prompts = new TaskPrompts(options.model, options.parsePython ?? parsePython);
    this.repairAttempts = options.repairAttempts ?? 2;
    this.decisionRetries = options.decisionRetries ?? 1;
    this.splitRetries = options.splitRetries ?? 2;
    this.repairLogChars = options.repairLogChars ?? DEFAULT_REPAIR_LOG_CHARS;
  }

  /** Never throws for anything the model or the code does: failures become a failed Result. */
  async execute(
    item: WorkItem,
    onEvent: (event: ExecutorEvent) => void = () => {},
    signal?: AbortSignal,
  ): Promise<Result> {
    const started = Date.now();
    const notes: string[] = [];
    const attempts: Attempt[] = [];
    let subtasks: Subtask[] | undefined;
    let splitAnswers: Result["split_answers"];
    let error: string | undefined;
    try {
      const targetPath = repoRelativePath(item.task.directory, item.task.file);
      onEvent({ kind: "deciding", taskId: item.task.id });
      const { decision, answer: decided } = await this.canSolve(item, notes, signal);
      if (decision === "no") {
        const split = await this.split(item, notes, signal);
        subtasks = split?.subtasks;
        if (split?.answer && decided) splitAnswers = { can_solve: decided, split: split.answer };
        if (subtasks) onEvent({ kind: "split", taskId: item.task.id, subtasks: subtasks.length });
      }
      const input = await this.prompts.codeInput(item, targetPath, subtasks, notes);
      const existing = item.task.existing_file;
      let previousAnswer = "";
      for (let attempt = 1; attempt <= 1 + this.repairAttempts; attempt++) {
        const previous = attempts.at(-1);
        onEvent({ kind: "generating", taskId: item.task.id, attempt });
        const failureLog = previous ? quotedFailureLog(previous.test, this.repairLogChars) : undefined;
        const prompt = await this.prompts.attempt(
          item,
          input,
          previous
            ? { answer: previousAnswerOf(Boolean(existing), previous, previousAnswer), failureLog: failureLog! }
            : undefined,
          notes,
        );
        // Edits and repairs copy long runs of the file or code the prompt shows: the model may guess ahead from it.
        const copiesPrompt = Boolean(existing || item.task.current_content !== undefined || previous);
        let transcript: AnswerTranscript | undefined;
        const answer = await this.options.model.complete(prompt, {
          maxTokens: this.outputTokens(),
          signal,
          copiesPrompt,
          onTranscript: (t) => (transcript = t),
        });
        onEvent({ kind: "testing", taskId: item.task.id, attempt });
        const tried = await testAnswer(
          item,
          answer,
          { sandbox: this.options.sandbox, parse: this.parse },
          input.shownWhole,
        );
        previousAnswer = answer;
        onEvent({ kind: "tested", taskId: item.task.id, attempt, result: tried.test });
        // The answer with its tokens (and what a repair quoted) lets a verifier check this attempt.
        const shown = transcript
          ? { answer: { text: answer, transcript, ...(failureLog !== undefined ? { failure_log: failureLog } : {}) } }
          : {};
        attempts.push({ attempt, ...tried, ...shown });
        // A package the image lacks is the repository's setup to fix, not the code: no repair spent on it.
        if (tried.test.success || tried.test.verdict === "missing_dependency") break;
      }
    } catch (caught) {
      if (signal?.aborted) throw caught;
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const modelSha256 = await this.options.model.modelSha256?.().catch(() => undefined);
    return {
      ...this.toResult(item, attempts, { subtasks, notes, error, started }),
      ...(splitAnswers ? { split_answers: splitAnswers } : {}),
      ...(modelSha256 ? { model_sha256: modelSha256 } : {}),
    };
  }

  /**
   * Query 5.2, strictly yes/no; unparseable answers are re-asked, then treated as "yes" (try it).
   * The deciding answer is kept: a split is checked from it (issue 22).
   */
  private async canSolve(
    item: WorkItem,
    notes: string[],
    signal?: AbortSignal,
  ): Promise<{ decision: "yes" | "no"; answer?: ModelAnswer }> {
    const prompt = await this.prompts.canSolve(item, notes);
    for (let ask = 0; ask <= this.decisionRetries; ask++) {
      const { text, answer } = await this.answer(prompt, CAN_SOLVE_ANSWER, signal);
      const decision = parseYesNo(text);
      if (decision) return { decision, answer };
      notes.push(`can-solve answer ${ask + 1} was neither yes nor no: ${JSON.stringify(text.slice(0, 80))}`);
    }
    notes.push("no clear can-solve answer; solving the task whole");
    return { decision: "yes" };
  }

  /** Query 5.3; malformed splits are re-asked, then reported and the task is solved whole. */
  private async split(
    item: WorkItem,
    notes: string[],
    signal?: AbortSignal,
  ): Promise<{ subtasks: Subtask[]; answer?: ModelAnswer } | undefined> {
    const prompt = await this.prompts.split(item, notes);
    const format = { ...SPLIT_ANSWER, maxTokens: this.outputTokens() };
    for (let ask = 0; ask <= this.splitRetries; ask++) {
      const { text, answer } = await this.answer(prompt, format, signal);
      try {
        return { subtasks: parseModelJson(text, SplitAnswerSchema), answer };
      } catch (problem) {
        notes.push(`split answer ${ask + 1} rejected: ${(problem as Error).message}`.slice(0, 2_000));
      }
    }
    notes.push(`no valid split after ${this.splitRetries + 1} answers; solving the task whole`);
    return undefined;
  }

  /** One answer in a JSON format, with its tokens when the model keeps them. */
  private async answer(
    prompt: Prompt,
    format: { jsonSchema: Record<string, unknown>; maxTokens: number },
    signal?: AbortSignal,
  ): Promise<{ text: string; answer?: ModelAnswer }> {
    let transcript: AnswerTranscript | undefined;
    const text = await this.options.model.complete(prompt, {
      ...format,
      signal,
      onTranscript: (t) => (transcript = t),
    });
    return { text, ...(transcript ? { answer: { text, transcript } } : {}) };
  }

  private get parse(): ParsePython {
    return this.options.parsePython ?? parsePython;
  }

  private outputTokens(): number {
    return this.prompts.outputTokens();
  }

  private toResult(
    item: WorkItem,
    attempts: Attempt[],
    extra: { subtasks?: Subtask[]; notes: string[]; error?: string; started: number },
  ): Result {
    const best = bestAttempt(attempts);
    const logs = best ? testLog(best.test) : (extra.error ?? "");
    // No attempt's edits applied: the reason is the result's error, as for a worker without code.
    const existing = item.task.existing_file;
    const error = extra.error ?? (best && !best.code.trim() && existing ? best.test.failure_reason : undefined);
    return {
      job_id: item.jobId,
      task_id: item.task.id,
      code: best?.code ?? "",
      test_passed: best?.test.success ?? false,
      test_logs: logs.slice(-LIMITS.logChars),
      execution_time: (Date.now() - extra.started) / 1000,
      worker_id: this.options.workerId,
      timestamp: Date.now() / 1000,
      tests_passed: best?.test.tests_passed ?? 0,
      tests_failed: best?.test.tests_failed ?? 0,
      attempts,
      subtasks: extra.subtasks,
      notes: extra.notes.slice(0, 50),
      error: error?.slice(0, LIMITS.logChars),
      ...(existing && best?.edits ? { edits: best.edits, base_sha256: existing.sha256 } : {}),
    };
  }
}

/** The attempt to keep: a passing one, else the one with the best test balance (later wins ties). */
export function bestAttempt(attempts: Attempt[]): Attempt | undefined {
  const score = (a: Attempt) => (a.test.success ? 1e9 : 0) + a.test.tests_passed - a.test.tests_failed;
  return attempts.reduce<Attempt | undefined>((best, a) => (!best || score(a) >= score(best) ? a : best), undefined);
}
