// Prompt-lookup decoding (speculative decoding without a draft model): when the answer copies long
// runs of the prompt, as edits to an existing file and repairs of shown code do, node-llama-cpp's
// InputLookupTokenPredictor guesses the next tokens from the prompt and the model checks several
// in one batch. A check only accepts the tokens the model itself would have chosen, so the answer
// is the same; only its speed changes. A sequence's predictor is fixed when the sequence is made,
// so this one is switched per call: on for prompts the answer copies, off (no guesses) otherwise,
// where refuted guesses would only cost time. How many guesses fit the hardware: promptLookupSettings.
// node-llama-cpp up to 3.22.1 takes at most the first guess of a checked batch (it never records the
// guesses it validated; patches/node-llama-cpp+*.patch fixes that at install). Where the fix is
// missing, this predictor notices and guesses at most one token (`oneGuessWhenCut`) or none.
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
  /**
   * What to do where the library takes only the first guess of a batch (an unpatched node-llama-cpp):
   * guess one token at a time (true, for hardware where a batch of 2 costs about one token) or stop
   * guessing (false). Default true.
   */
  oneGuessWhenCut?: boolean;
}

/**
 * The predictor's settings for a backend. On a CPU a check is far from free: every position of the
 * batch gets the whole vocabulary's logits and a sample (at the depth of an edit prompt, 2 threads,
 * Qwen2.5-1.5B shape: checking 8 tokens costs 5.2 times one decoded token, 16 cost 8.5, 32 cost 15.5),
 * so it guesses only after the answer's last 3 tokens match the prompt, at least 7 tokens, and longer
 * runs while the answer keeps copying. Over the eval suite's brownfield changes that is 1.6x plain
 * decoding modelled, worst file 1.03x; decoded for real, answers that copy 92-97 % of the prompt went
 * 1.45-1.70x (npm run bench -- lookup). At 15.5 token-times per 32 positions even a perfect copy
 * cannot reach 2.1x on this CPU. On a GPU a check costs about one token: node-llama-cpp's defaults
 * (from 1 matching token, up to 3), not measured here.
 */
export function promptLookupSettings(onGpu: boolean): LookupSizing | undefined {
  return onGpu ? undefined : { pattern: 3, min: 7, max: 31, adaptive: { start: 15 }, oneGuessWhenCut: false };
}

/** How often a cut chain must be seen before the predictor stops guessing long runs. */
const CUT_CHAINS_SEEN = 3;

export class SwitchablePromptLookup extends TokenPredictor {
  /** Whether predictTokens guesses at all. Default false. */
  enabled = false;
  private readonly lookup: InputLookupTokenPredictor;
  /** The most tokens the next guess may have (adaptive sizing; else unlimited). */
  private budget: number;
  /** The last guess, how many of its tokens the answer has matched, and how many came since. */
  private guess: Token[] = [];
  private matched = 0;
  private pushed = 0;
  /**
   * Set once the library was seen CUT_CHAINS_SEEN times taking a guess's first token and dropping a
   * second one the answer then matched: it checks only the first guess of a batch, so longer guesses
   * cost time for nothing (see the file's comment). More than once, since a batch cut short near the
   * end of the context looks alike.
   */
  chainsCut = false;
  private cutChainsSeen = 0;

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
    this.matched = 0;
    this.pushed = 0;
  }

  override updateInputTokens(tokens: Token[]): void {
    this.lookup.updateInputTokens(tokens);
  }

  pushTokens(tokens: Token[]): void {
    this.lookup.pushTokens(tokens);
    this.pushed += tokens.length;
    // The answer's tokens against the last guess: taken whole, or cut short at the first difference.
    for (const token of tokens) {
      if (this.guess.length === 0) break;
      if (this.matched < this.guess.length && token === this.guess[this.matched]) this.matched++;
      else this.resize(this.matched >= this.guess.length);
    }
  }

  predictTokens(): Token[] {
    // Each check of a batch yields the model's next token plus the guesses it took, so a library that
    // follows the whole chain hands over one token more than the guess matched. An unpatched one
    // hands over 2 (the next token and the first guess's) even when the second guess was right too.
    const cut = this.guess.length >= 2 && this.pushed === 2 && this.matched === 2;
    if (cut && !this.chainsCut && ++this.cutChainsSeen >= CUT_CHAINS_SEEN) {
      this.chainsCut = true;
      const now = this.oneGuessWhenCut ? "guesses one token at a time" : "is off";
      process.emitWarning(
        `node-llama-cpp checks only the first guessed token of a batch (its patch in patches/ is missing: reinstall with install scripts allowed); prompt lookup now ${now}`,
      );
    }
    this.guess = [];
    this.matched = 0;
    this.pushed = 0;
    if (!this.enabled) return [];
    const limit = this.chainsCut ? (this.oneGuessWhenCut ? 1 : 0) : this.budget;
    this.guess = this.lookup.predictTokens().slice(0, limit);
    return this.guess;
  }

  private get oneGuessWhenCut(): boolean {
    return this.sizing?.oneGuessWhenCut ?? true;
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
