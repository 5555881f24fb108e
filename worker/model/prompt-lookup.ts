// Prompt-lookup decoding (speculative decoding without a draft model): when the answer copies long
// runs of the prompt, as edits to an existing file and repairs of shown code do, node-llama-cpp's
// InputLookupTokenPredictor guesses the next tokens from the prompt and the model checks several
// in one batch. A check only accepts the tokens the model itself would have chosen, so the answer
// is the same; only its speed changes. A sequence's predictor is fixed when the sequence is made,
// so this one is switched per call: on for prompts the answer copies, off (no guesses) otherwise,
// where refuted guesses would only cost time. How many guesses fit the hardware: promptLookupSettings.
import { InputLookupTokenPredictor, TokenPredictor, type Token } from "node-llama-cpp";

type ResetParameters = Parameters<TokenPredictor["reset"]>[0];

/** How the predictor guesses. */
export interface LookupSizing {
  /** Tokens at the answer's end that must occur in the prompt before a guess. */
  pattern: number;
  /** Fewest and most tokens guessed at once. */
  min: number;
  max: number;
  /**
   * Adapt the guess to how the last one went: twice as many (up to `max`) after one taken whole,
   * one more than the tokens taken (at least `min`) after one cut short. Starts at `start`.
   */
  adaptive?: { start: number };
}

/**
 * The predictor's settings for a backend. On a CPU a checked batch is far from free (at the depth of
 * an edit prompt, 2 threads, Qwen2.5-1.5B shape: 8 tokens cost 4–4.7 times one, 16 cost 6.3–8 times,
 * 32 cost 12.7–15), so it guesses only after the answer's last 3 tokens match the prompt, at least 7
 * tokens, and longer runs while the answer keeps copying: over the eval suite's brownfield changes
 * 1.6–1.9x plain decoding, 1.8–2.1x for answers that copy ≥ 80 % of the prompt, never slower
 * (npm run bench -- lookup; node-llama-cpp's default sizing gave 0.88–1.06x there). On a GPU a batch
 * costs about one token: node-llama-cpp's defaults (from 1 matching token, up to 3), not measured here.
 */
export function promptLookupSettings(onGpu: boolean): LookupSizing | undefined {
  return onGpu ? undefined : { pattern: 3, min: 7, max: 31, adaptive: { start: 15 } };
}

export class SwitchablePromptLookup extends TokenPredictor {
  /** Whether predictTokens guesses at all. Default false. */
  enabled = false;
  private readonly lookup: InputLookupTokenPredictor;
  /** The most tokens the next guess may have (adaptive sizing; else unlimited). */
  private budget: number;
  /** The last guess, and how many of its tokens the answer has matched so far. */
  private guess: Token[] = [];
  private matched = 0;

  constructor(private readonly sizing?: LookupSizing) {
    super();
    this.lookup = new InputLookupTokenPredictor(
      sizing ? { patternLength: { min: sizing.pattern }, predictionLength: { min: sizing.min, max: sizing.max } } : {},
    );
    this.budget = sizing?.adaptive?.start ?? Infinity;
  }

  // State is kept up to date either way, so switching on mid-sequence works.
  reset(parameters: ResetParameters): void {
    this.lookup.reset(parameters);
    this.budget = this.sizing?.adaptive?.start ?? Infinity;
    this.guess = [];
  }

  override updateInputTokens(tokens: Token[]): void {
    this.lookup.updateInputTokens(tokens);
  }

  pushTokens(tokens: Token[]): void {
    this.lookup.pushTokens(tokens);
    // The answer's tokens against the last guess: taken whole, or cut short at the first difference.
    for (const token of tokens) {
      if (this.guess.length === 0) break;
      if (this.matched < this.guess.length && token === this.guess[this.matched]) this.matched++;
      else this.resize(this.matched >= this.guess.length);
    }
  }

  predictTokens(): Token[] {
    if (!this.enabled) return [];
    const guess = this.lookup.predictTokens().slice(0, this.budget);
    this.guess = guess;
    this.matched = 0;
    return guess;
  }

  override dispose(): void {
    this.lookup.dispose();
  }

  private resize(whole: boolean): void {
    const sizing = this.sizing;
    if (sizing?.adaptive)
      this.budget = whole ? Math.min(sizing.max, this.budget * 2) : Math.max(sizing.min, this.matched + 1);
    this.guess = [];
  }
}
