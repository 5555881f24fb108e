// The generation check: one prefill over prompt + answer with the same model, reading the logits at
// every answer position. A greedy answer has the model's top choice at each position, so a token that
// is not (beyond a near-tie allowance) shows the answer was changed, or written by another model or
// for another prompt. Much cheaper than generating: the answer is evaluated in batches, not token by
// token, and needs no bit-exact agreement between machines (the idea of TOPLOC, ICML 2025).
import type { ControlledEvaluateInputItem, LlamaContextSequence, Token } from "node-llama-cpp";
import type { AnswerTranscript, GenerationCheck } from "../../shared/model/answer-transcript.js";
import type { GrammarGate } from "./grammar-gate.js";

/**
 * Default allowed gap, in logits, between the top choice and the answer's token. Greedy decoding
 * takes the top token, so an honest answer's gap is 0 up to rounding: llama.cpp's sums differ with
 * the thread count, the batch a token is evaluated in and the instruction set. Measured on this
 * project's models across 1/2/4 threads and batch sizes 256/32: see generation-check.test.ts and
 * `npm run bench -- verify`.
 */
export const DEFAULT_MAX_LOGIT_GAP = 0.5;

/**
 * Tokens an answer cut by the limit may lack at its end: node-llama-cpp holds back tokens that could
 * start a stop text or end inside a UTF-8 character, and drops them when the limit strikes. So a
 * truncation of an answer that hit the limit anyway, by up to this many tokens, goes unnoticed.
 */
export const MAX_TOKENS_HELD_BACK = 8;

export interface CheckAnswerInput {
  /** The prompt's tokens, chat template included, as the verifier rebuilt them. */
  promptTokens: readonly Token[];
  transcript: AnswerTranscript;
  /** The verifier's own token limit for this prompt: a "max_tokens" stop is only believed at it. */
  maxTokens: number;
  /** Tokens that end a generation (EOS, EOT, <|im_end|>…). */
  endTokens: ReadonlySet<Token>;
  /** Default DEFAULT_MAX_LOGIT_GAP. */
  maxGap?: number;
  /**
   * The grammar the answer was generated under (a JSON schema): the answer's token must then be the
   * top choice among those the grammar allows. Omitted: among all tokens.
   */
  grammar?: GrammarGate;
  /** The grammar's stop text, for a "stop_text" answer (the model's next token must complete it). */
  stopText?: string;
  /** Tokens to text, for a "stop_text" answer. */
  detokenize?: (tokens: readonly Token[]) => string;
}

/**
 * Tokens ranked at each position when a grammar applies: every token the model ranks above the
 * answer's (beyond the gap) must be one the grammar refuses. More than this many ranked above it
 * leaves the check undecided (the whole vocabulary of a random-weight Qwen would be 151,936).
 */
export const GRAMMAR_CANDIDATES = 1024;

/**
 * Runs the check on `sequence` (its evaluated prefix in common with the prompt is kept, the rest
 * erased; afterwards it holds prompt + answer). The sequence must have no token predictor work
 * pending; the caller serialises use of the sequence.
 */
export async function checkAnswer(sequence: LlamaContextSequence, input: CheckAnswerInput): Promise<GenerationCheck> {
  const { promptTokens, transcript, maxTokens, endTokens } = input;
  const maxGap = input.maxGap ?? DEFAULT_MAX_LOGIT_GAP;
  const answer = transcript.tokens as Token[];
  const refuse = (reason: string): GenerationCheck => ({ ok: false, checkedPositions: 0, worstGap: 0, reason });
  if (promptTokens.length === 0) return refuse("the prompt has no tokens");
  if (transcript.stop === "max_tokens" && answer.length < maxTokens - MAX_TOKENS_HELD_BACK)
    return refuse(
      `the answer says the token limit cut it, but it has ${answer.length} tokens and the limit is ${maxTokens}`,
    );
  if (answer.length > maxTokens)
    return refuse(`the answer has ${answer.length} tokens, over the limit of ${maxTokens}`);
  if (promptTokens.length + answer.length >= sequence.context.contextSize)
    return refuse(
      `prompt and answer (${promptTokens.length + answer.length} tokens) do not fit the verifier's context`,
    );
  for (const token of answer)
    if (endTokens.has(token)) return refuse(`the answer contains an end-of-generation token (${token}) before its end`);
  const { stopText, detokenize } = input;
  if (transcript.stop === "stop_text") {
    if (!stopText || !detokenize) return refuse("the answer says a stop text ended it, but it was generated with none");
    if (detokenize(answer).includes(stopText))
      return refuse("the answer goes on past its stop text (generation stops at the first)");
  }

  // Keep what the sequence already holds of the prompt, but re-evaluate at least its last token: its
  // logits decide the answer's first token.
  const keep = Math.min(sequence.compareContextTokens([...promptTokens]).firstDifferentIndex, promptTokens.length - 1);
  if (keep < sequence.nextTokenIndex)
    await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);

  // Position p (the last prompt token, then each answer token) predicts answer[p]; after the last
  // answer token, an end token is due when the answer says it ended.
  const scored = [promptTokens.at(-1)!, ...answer];
  // After the last answer token: an end token is due when the answer says it ended, a token that
  // completes the stop text when that stopped it.
  const wantsEnd = transcript.stop !== "max_tokens";
  const completesStop = (token: Token) => detokenize!([...answer, token]).includes(stopText!);
  const ends = [...endTokens];
  /** What position p must predict: the answer's token there, or (past its last) any end token. */
  const expectedAt = (position: number): Token[] => (position < answer.length ? [answer[position]!] : ends);
  const includeTop = input.grammar ? GRAMMAR_CANDIDATES : 1;
  const scoredItem = (token: Token, position: number): ControlledEvaluateInputItem =>
    // includeTop, not includeMax: node-llama-cpp 3.22.1 returns no extra entry for includeMax.
    [token, { generateNext: { logits: { filter: { tokens: expectedAt(position), includeTop } } } }];
  const evaluation: ControlledEvaluateInputItem[] = [
    ...promptTokens.slice(keep, -1),
    ...scored.map((token, position) => (position < answer.length || wantsEnd ? scoredItem(token, position) : token)),
  ];
  const offset = promptTokens.length - 1 - keep;
  const results = await sequence.controlledEvaluate(evaluation);

  let worstGap = 0;
  const positions = answer.length + (wantsEnd ? 1 : 0);
  for (let position = 0; position < positions; position++) {
    const logits = results[offset + position]?.next.logits;
    if (!logits) return refuse(`the model gave no logits at answer position ${position}`);
    if (position === answer.length && transcript.stop === "stop_text") {
      const next = stopCompletion(logits, maxGap, completesStop, input.grammar);
      if (next) return { ok: true, checkedPositions: positions, worstGap: Math.max(worstGap, next.gap) };
      return {
        ok: false,
        checkedPositions: positions,
        worstGap,
        reason:
          "not the model's answer: the model's next token does not complete the stop text that the answer says ended it",
      };
    }
    const allowed = input.grammar
      ? expectedAt(position).filter((token) => input.grammar!.allows(token))
      : expectedAt(position);
    if (allowed.length === 0)
      return refuse(
        `the grammar the answer was generated under does not allow ${position < answer.length ? `answer token ${position}` : "the answer to end"} there`,
      );
    const best = Math.max(...allowed.map((token) => logits.get(token) ?? -Infinity));
    const rival = topRival(logits, best, input.grammar);
    if (rival === "undecided")
      return {
        ...refuse(
          `undecided: at answer position ${position} more than ${GRAMMAR_CANDIDATES} tokens rank above the answer's, and the grammar may allow one of them`,
        ),
        undecided: true,
      };
    const [top, topLogit] = rival;
    if (position < answer.length) input.grammar?.accept(answer[position]!);
    const gap = topLogit - best;
    worstGap = Math.max(worstGap, gap);
    if (gap > maxGap) {
      const token = position < answer.length ? answer[position]! : -1;
      const what = position < answer.length ? `answer token ${position}` : "the end of the answer";
      return {
        ok: false,
        checkedPositions: position + 1,
        worstGap,
        mismatch: { index: position, token, expected: top, gap },
        reason: `not the model's answer: at ${what} the model's top choice is token ${top}, ${gap.toFixed(2)} logits above ${position < answer.length ? `the answer's token ${token}` : "any end token"}`,
      };
    }
  }
  return { ok: true, checkedPositions: positions, worstGap };
}

/**
 * The model's top choice at a position, against the answer's best logit `best`: the highest-ranked
 * token; with a grammar, the highest-ranked one the grammar allows (looked for only down to `best`:
 * below it no token could have been chosen over the answer's).
 */
function topRival(
  logits: Map<Token, number>,
  best: number,
  grammar: GrammarGate | undefined,
): [Token, number] | "undecided" {
  const ranked = [...logits].sort((a, b) => b[1] - a[1]);
  if (!grammar) return ranked[0]!;
  for (const [token, logit] of ranked) {
    if (logit <= best) return [token, best];
    if (grammar.allows(token)) return [token, logit];
  }
  // Every ranked token beat the answer's and the grammar refused each: the ranking was cut before
  // reaching it (an uncut one holds the answer's token itself).
  return ranked.length >= GRAMMAR_CANDIDATES ? "undecided" : [ranked.at(-1)![0], best];
}

/**
 * The model's choice after an answer a stop text ended: the top token (the grammar allowing) must
 * complete the stop text, or one within `maxGap` of it must (a near-tie). Undefined when none does.
 */
function stopCompletion(
  logits: Map<Token, number>,
  maxGap: number,
  completes: (token: Token) => boolean,
  grammar: GrammarGate | undefined,
): { gap: number } | undefined {
  const ranked = [...logits].sort((a, b) => b[1] - a[1]).filter(([token]) => !grammar || grammar.allows(token));
  const top = ranked[0]?.[1];
  if (top === undefined) return undefined;
  for (const [token, logit] of ranked) {
    if (top - logit > maxGap) return undefined;
    if (completes(token)) return { gap: top - logit };
  }
  return undefined;
}
