// Prompt lookup in wall-clock time (issue 12): the answer an edit writes, decoded for real on the
// benchmark model, once plainly and once with the worker's predictor, through node-llama-cpp's own
// speculative loop. Random weights cannot write a copying answer, so the answer is forced: at every
// position node-llama-cpp samples (the next token, and each guess it checks) a logit bias makes the
// reference answer's token the greedy choice there. Both runs pay that bias alike; the guesses are
// checked, accepted and refuted exactly as they would be for a model that wrote this answer.
import { TokenBias, type LlamaContextSequence, type LlamaModel, type Token } from "node-llama-cpp";
import type { SwitchablePromptLookup } from "../worker/model/prompt-lookup.js";

export interface CopyRun {
  issue: string;
  answerTokens: number;
  plainSeconds: number;
  lookupSeconds: number;
  /** Plain decoding's time ÷ prompt lookup's, for the same answer. */
  speedup: number;
  /** Guessed tokens the model accepted and refuted in the lookup run. */
  guessesTaken: number;
  guessesRefuted: number;
}

/** A logit far above any random weight's: with greedy sampling the biased token is always chosen. */
const FORCE = { logit: 1_000 };

/**
 * Decodes each trace's answer after its prompt, plain then with prompt lookup, on `sequence` (whose
 * predictor is `lookup`; history cleared before each run). Throws if an answer could not be forced.
 */
export async function copyRuns(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  lookup: SwitchablePromptLookup,
  traces: { issue: string; prompt: Token[]; answer: Token[] }[],
  log: (line: string) => void,
): Promise<CopyRun[]> {
  const runs: CopyRun[] = [];
  for (const trace of traces) {
    const timed = async (withLookup: boolean) => {
      await sequence.clearHistory();
      lookup.enabled = withLookup;
      lookup.updateInputTokens(trace.prompt);
      await sequence.evaluateWithoutGeneratingNewTokens(trace.prompt.slice(0, -1));
      const before = sequence.tokenPredictions;
      const started = performance.now();
      await forceAnswer(model, sequence, trace.prompt.at(-1)!, trace.answer);
      const seconds = (performance.now() - started) / 1000;
      const after = sequence.tokenPredictions;
      return { seconds, taken: after.used - before.used, refuted: after.refuted - before.refuted };
    };
    const plain = await timed(false);
    const lookedUp = await timed(true);
    const run: CopyRun = {
      issue: trace.issue,
      answerTokens: trace.answer.length,
      plainSeconds: plain.seconds,
      lookupSeconds: lookedUp.seconds,
      speedup: plain.seconds / lookedUp.seconds,
      guessesTaken: lookedUp.taken,
      guessesRefuted: lookedUp.refuted,
    };
    log(
      `[bench] lookup copy run: ${run.issue}: ${run.answerTokens} tokens, plain ${(run.answerTokens / run.plainSeconds).toFixed(1)} tok/s, ` +
        `with lookup ${(run.answerTokens / run.lookupSeconds).toFixed(1)} tok/s = ${run.speedup.toFixed(2)}× ` +
        `(${run.guessesTaken} guessed tokens taken, ${run.guessesRefuted} refuted)`,
    );
    runs.push(run);
  }
  return runs;
}

/** Generates `answer` after `lastPromptToken`, each sampled position biased to the answer's token there. */
async function forceAnswer(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  lastPromptToken: Token,
  answer: Token[],
): Promise<void> {
  const biases = new Map<Token, TokenBias>();
  const biasFor = (token: Token) => {
    let bias = biases.get(token);
    if (!bias) biases.set(token, (bias = new TokenBias(model.tokenizer).set(token, FORCE)));
    return bias;
  };
  // node-llama-cpp asks for the bias once per sampled position, in order: the next token first,
  // then one per guess checked in the same batch. Positions restart from the tokens produced so far.
  let produced = 0;
  let batchOf = -1;
  let inBatch = 0;
  const tokenBias = () => {
    if (batchOf !== produced) [batchOf, inBatch] = [produced, 0];
    return biasFor(answer[Math.min(produced + inBatch++, answer.length - 1)]!);
  };
  for await (const token of sequence.evaluate([lastPromptToken], { temperature: 0, tokenBias, yieldEogToken: true })) {
    if (token !== answer[produced])
      throw new Error(`copy run: token ${produced} is ${token}, the answer's is ${answer[produced]} (forcing failed)`);
    if (++produced === answer.length) break;
  }
}
