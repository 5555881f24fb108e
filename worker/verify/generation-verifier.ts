// Is a volunteer's file the named model's own answer? (issue 22) The verifier holds the same model
// file. It rebuilds the prompt the worker answered from the work item alone (TaskPrompts, the
// worker's own code), checks that the answer's tokens are the model's greedy choice at every
// position (one prefill: worker/model/generation-check.ts), that the answer's text is those tokens,
// and that the file is what that text yields. Nothing the worker says about its prompt is taken.
//
// Checked: a file from a first code attempt (Query 5.6) or a repair round, whole file or edits. A
// repair round's chain is checked attempt by attempt (each prompt shows the one before), and the
// failure log each repair prompt quotes is reproduced: the bot replays the attempt it repairs in its
// own sandbox (failure-log-match.ts). Without a sandbox the log is taken as sent, which the PR
// table says. A task the worker split is checked from the answers behind the split too: 5.2's "no"
// and the 5.3 subtasks, each the model's greedy answer under its JSON grammar.
import { isDeepStrictEqual } from "node:util";
import type { Prompt } from "../../shared/prompts.js";
import { repoRelativePath } from "../../shared/repo-path.js";
import type { Attempt, Result, WorkItem } from "../../shared/schemas.js";
import type { AnswerTranscript, GenerationCheck, GenerationStatus } from "../../shared/model/answer-transcript.js";
import { parseModelJson, parseYesNo, stripMarkdownFences } from "../../shared/model/model-output.js";
import { EditAnswerError, parseEditAnswer } from "../../shared/edits/edit-answer.js";
import { looksLikeEdits } from "../../shared/edits/whole-file.js";
import { parsePython, type ParsePython } from "../../shared/edits/python-outline.js";
import {
  CAN_SOLVE_ANSWER,
  previousAnswerOf,
  SPLIT_ANSWER,
  SplitAnswerSchema,
  TaskPrompts,
  type PromptModel,
} from "../task-prompts.js";
import { LlamaCodeModel } from "../model/llama-code-model.js";
import { openCodeModelForCommand } from "../model/open-code-model.js";
import type { DellmEnv } from "../../shared/config.js";
import type { Sandbox } from "../../shared/sandbox/sandbox.js";
import { testLog } from "../../shared/sandbox/pytest-report.js";
import { testAnswer } from "../attempt-test.js";
import { unreproducedLine } from "./failure-log-match.js";
import { sameModel, type JobModel, type NamedModel } from "../../shared/swarm/coordinator-protocol.js";

/** What the verifier needs of its model (LlamaCodeModel has it all). */
export interface CheckingModel extends PromptModel {
  modelSha256(): Promise<string>;
  checkAnswer(
    prompt: Prompt,
    transcript: AnswerTranscript,
    options: { maxTokens: number; jsonSchema?: Record<string, unknown> },
  ): Promise<GenerationCheck>;
  detokenize(tokens: readonly number[]): string;
}

export interface GenerationVerifierOptions {
  model: CheckingModel;
  /** Who checks, for the PR table ("the bot", or a peer id). Default "the bot". */
  by?: string;
  /** Python's parser for outlines (the file view of an existing file). Default: the host's python3. */
  parsePython?: ParsePython;
  /**
   * Where a repair round's quoted failure log is reproduced (the bot's re-test sandbox); the item
   * checked should carry its repository (WorkItemInRepository) as the worker was granted it.
   * Omitted: the log is taken as the worker sent it, and the status says so.
   */
  sandbox?: Sandbox;
}

/** Why a file is "not checked" where the bot loaded no copy of the job's model. */
export const NO_MODEL_TO_CHECK = "the bot holds no copy of the job's model";

export class GenerationVerifier {
  readonly by: string;
  private readonly prompts: TaskPrompts;
  private readonly parse: ParsePython;

  constructor(private readonly options: GenerationVerifierOptions) {
    this.by = options.by ?? "the bot";
    this.parse = options.parsePython ?? parsePython;
    this.prompts = new TaskPrompts(options.model, this.parse);
  }

  /** Whether this verifier runs `model` (the same file with the same context), so it can check its answers. */
  async holds(model: NamedModel): Promise<boolean> {
    return sameModel(model, {
      sha256: await this.options.model.modelSha256(),
      context_size: this.options.model.contextSize,
    });
  }

  /** `item`: the work item as the bot granted it (never the worker's account of it). */
  async check(item: WorkItem, result: Result): Promise<GenerationStatus> {
    if (!result.code.trim()) return { status: "not_checked", reason: "no code" };
    const kept = keptAttempt(result);
    if (!kept?.answer)
      return {
        status: "not_checked",
        reason: "no transcript (a scripted model, or a worker older than the generation check)",
      };
    const failed = (reason: string): GenerationStatus => ({ status: "failed", by: this.by, reason });
    const ours = await this.options.model.modelSha256();
    if (result.model_sha256 !== ours)
      return failed(
        `written with another model (${result.model_sha256 ? `sha256 ${result.model_sha256.slice(0, 12)}…` : "none named"}; the job's is ${ours.slice(0, 12)}…)`,
      );
    if (result.subtasks) {
      const split = await this.checkSplit(item, result, failed);
      if (split) return split;
    }

    // A repair round's prompt shows the attempt before it: every attempt up to the kept one is checked, in order.
    const chain = repairChain(result);
    const notes: string[] = [];
    const targetPath = repoRelativePath(item.task.directory, item.task.file);
    const input = await this.prompts.codeInput(item, targetPath, result.subtasks, notes);
    const existing = Boolean(item.task.existing_file);
    for (const [index, attempt] of chain.entries()) {
      const what = chain.length > 1 ? `attempt ${index + 1}: ` : "";
      if (attempt.attempt !== index + 1 || !attempt.answer)
        return failed(`${what}the attempts before the kept one are missing or out of order`);
      const { text, transcript, failure_log: failureLog } = attempt.answer;
      if ((index === 0) !== (failureLog === undefined))
        return failed(`${what}a first attempt quotes no failure log, a repair round one`);
      if (this.options.model.detokenize(transcript.tokens) !== text)
        return failed(`${what}the answer's text is not the text of its tokens`);
      const derived = this.derive(item, result, text, attempt, attempt === kept, input.shownWhole ?? false);
      if (derived) return failed(`${what}${derived}`);
      const previous = chain[index - 1];
      const prompt = await this.prompts.attempt(
        item,
        input,
        previous
          ? { answer: previousAnswerOf(existing, previous, previous.answer!.text), failureLog: failureLog! }
          : undefined,
        notes,
      );
      const check = await this.options.model.checkAnswer(prompt, transcript, {
        maxTokens: this.prompts.outputTokens(),
      });
      if (!check.ok) return failed(`${what}${check.reason ?? "not the model's answer"}`);
    }
    if (chain.length === 1) return { status: "checked", by: this.by };
    if (!this.options.sandbox) return { status: "checked", by: this.by, caveat: REPAIR_LOG_NOT_REPRODUCED };
    const forged = await forgedFailureLog(item, chain, {
      sandbox: this.options.sandbox,
      parse: this.parse,
      wholeFile: input.shownWhole ?? false,
    });
    return forged ? failed(forged) : { status: "checked", by: this.by };
  }

  /**
   * The status of a result whose task the worker split, when the split is not the model's (failed)
   * or could not be checked; undefined when 5.2's "no" and the 5.3 subtasks are the model's answers.
   */
  private async checkSplit(
    item: WorkItem,
    result: Result,
    failed: (reason: string) => GenerationStatus,
  ): Promise<GenerationStatus | undefined> {
    const answers = result.split_answers;
    if (!answers)
      return { status: "not_checked", reason: "the worker split the task (5.3) and sent no transcript of its answers" };
    if (parseYesNo(answers.can_solve.text) !== "no")
      return failed(`the task was split, but the model's can-solve answer (5.2) is not "no"`);
    // Parsed as the worker's executor parses it.
    const subtasks = (() => {
      try {
        return parseModelJson(answers.split.text, SplitAnswerSchema);
      } catch {
        return undefined;
      }
    })();
    if (!isDeepStrictEqual(subtasks, result.subtasks))
      return failed("the subtasks are not those of the model's split answer (5.3)");
    const notes: string[] = [];
    const steps = [
      {
        what: "the can-solve answer (5.2)",
        prompt: await this.prompts.canSolve(item, notes),
        answer: answers.can_solve,
        format: CAN_SOLVE_ANSWER,
      },
      {
        what: "the split answer (5.3)",
        prompt: await this.prompts.split(item, notes),
        answer: answers.split,
        format: { ...SPLIT_ANSWER, maxTokens: this.prompts.outputTokens() },
      },
    ];
    for (const { what, prompt, answer, format } of steps) {
      if (this.options.model.detokenize(answer.transcript.tokens) !== answer.text)
        return failed(`${what}: the answer's text is not the text of its tokens`);
      const check = await this.options.model.checkAnswer(prompt, answer.transcript, format);
      if (check.undecided) return { status: "not_checked", reason: `${what} could not be checked: ${check.reason}` };
      if (!check.ok) return failed(`${what}: ${check.reason ?? "not the model's answer"}`);
    }
    return undefined;
  }

  /**
   * Why the attempt's file is not what its answer text yields, or undefined when it is. For an
   * existing file the edits count: those of the kept attempt are the ones the bot applies.
   */
  private derive(
    item: WorkItem,
    result: Result,
    text: string,
    attempt: Attempt,
    kept: boolean,
    shownWhole: boolean,
  ): string | undefined {
    // A new file, or an existing one the model saw whole answered with the whole new file (whole-file.ts).
    if (!item.task.existing_file || (shownWhole && !looksLikeEdits(text)))
      return stripMarkdownFences(text) === attempt.code && attempt.edits === undefined && (!kept || !result.edits)
        ? undefined
        : "the file is not the code of the model's answer";
    let edits: Attempt["edits"];
    try {
      edits = parseEditAnswer(text);
    } catch (error) {
      if (!(error instanceof EditAnswerError)) throw error;
      // An earlier attempt whose answer had no edits is what the executor records: no edits, no code.
      if (!kept && attempt.edits === undefined && !attempt.code) return undefined;
      return `the model's answer has no edits that apply (${error.message})`;
    }
    return isDeepStrictEqual(edits, attempt.edits) && (!kept || isDeepStrictEqual(edits, result.edits))
      ? undefined
      : "the edits are not those of the model's answer";
  }
}

/**
 * The bot's verifier with the volunteers' model loaded from `spec` (DELLM_CHECK_MODEL, or the local
 * planner's model in `dellm run --swarm`); a scripted model cannot check and is refused.
 */
export async function openGenerationVerifier(
  spec: string,
  env: DellmEnv,
  log: (line: string) => void,
  /** The bot's re-test sandbox: repair rounds' failure logs are reproduced in it. */
  sandbox?: Sandbox,
): Promise<{ verifier: GenerationVerifier; model: JobModel; dispose(): Promise<void> }> {
  const model = await openCodeModelForCommand(spec, env.MODEL_THREADS, env, log);
  if (!(model instanceof LlamaCodeModel)) {
    await model.dispose();
    throw new Error(`${spec} cannot check generations: name the volunteers' GGUF model (a path or model spec)`);
  }
  log(`[verify] volunteers' files are checked to be ${model.name}'s own answers`);
  return {
    verifier: new GenerationVerifier({ model, ...(sandbox ? { sandbox } : {}) }),
    model: await jobModelOf(model),
    dispose: () => model.dispose(),
  };
}

/** The model jobs name in their grants: workers must run the same file with the same context. */
export async function jobModelOf(model: LlamaCodeModel): Promise<JobModel> {
  return { sha256: await model.modelSha256(), context_size: model.contextSize, name: model.name };
}

/** The caveat of a check that could not reproduce a repair round's failure log (no sandbox there). */
export const REPAIR_LOG_NOT_REPRODUCED = "a repair round: the failure log its prompt quotes was not reproduced";

/**
 * Why a repair prompt's quoted failure log is not what the attempt it repairs gives in the bot's
 * sandbox (each attempt up to the kept one replayed from its answer, as the worker's executor did),
 * or undefined. No model is needed: a bot whose volunteers checked the tokens replays the logs itself.
 */
export async function forgedFailureLog(
  item: WorkItem,
  chainOrResult: Attempt[] | Result,
  /** `wholeFile`: whether the model saw the existing file whole (unknown: as each attempt was taken). */
  testing: { sandbox: Sandbox; parse: ParsePython; wholeFile?: boolean },
): Promise<string | undefined> {
  const chain = Array.isArray(chainOrResult) ? chainOrResult : repairChain(chainOrResult);
  for (const [index, attempt] of chain.entries()) {
    if (index === 0) continue;
    const previous = chain[index - 1]!;
    if (!attempt.answer?.failure_log || !previous.answer)
      return `attempt ${index + 1}'s repair prompt has no failure log or previous answer to replay`;
    const existing = item.task.existing_file;
    const wholeFile =
      testing.wholeFile ??
      (existing !== undefined &&
        item.task.current_content === existing.content &&
        !previous.edits &&
        previous.code !== "");
    const replay = await testAnswer(item, previous.answer.text, testing, wholeFile);
    const what = `attempt ${index + 1}'s repair prompt quotes a failure log the bot could not reproduce`;
    if (replay.test.success) return `${what}: attempt ${index} passes its tests in the bot's sandbox`;
    const line = unreproducedLine(attempt.answer.failure_log, testLog(replay.test));
    if (line !== undefined) return `${what} (the bot's run has no line ${JSON.stringify(line.slice(0, 200))})`;
  }
  return undefined;
}

/** The attempts up to the kept one: a repair round's prompt shows the attempt before it. */
export function repairChain(result: Result): Attempt[] {
  const kept = keptAttempt(result);
  return kept ? result.attempts.slice(0, result.attempts.indexOf(kept) + 1) : [];
}

/** The attempt whose code the result carries (the last such, as bestAttempt keeps later ones on a tie). */
export function keptAttempt(result: Result): Attempt | undefined {
  return result.attempts.findLast((a) => a.code === result.code);
}
