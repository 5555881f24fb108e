// Prompt-lookup decoding (speculative decoding without a draft model): when the answer copies long
// runs of the prompt, as edits to an existing file and repairs of shown code do, node-llama-cpp's
// InputLookupTokenPredictor guesses the next tokens from the prompt and the model checks several
// in one batch. A check only accepts the tokens the model itself would have chosen, so the answer
// is the same; only its speed changes. A sequence's predictor is fixed when the sequence is made,
// so this one is switched per call: on for prompts the answer copies, off (no guesses) otherwise,
// where refuted guesses would only cost time. How many guesses fit the hardware: promptLookupSettings.
import { InputLookupTokenPredictor, TokenPredictor, type Token } from "node-llama-cpp";

type ResetParameters = Parameters<TokenPredictor["reset"]>[0];
type LookupOptions = ConstructorParameters<typeof InputLookupTokenPredictor>[0];

/**
 * The predictor's settings for a backend. On a CPU a checked batch is far from free (at the depth of
 * an edit prompt, 2 threads, Qwen2.5-1.5B shape: 8 tokens cost 4–4.7 times one, 16 cost 6.3–8 times),
 * so it guesses only after the answer's last 3 tokens match the prompt, and then 11 to 15 tokens at
 * once: over the eval suite's brownfield changes 1.55–1.85x plain decoding, 1.7–2.1x for answers
 * that copy ≥ 80 % of the prompt, never slower (three runs of npm run bench -- lookup; node-llama-cpp's
 * default settings gave 0.88–1.06x). On a GPU a batch costs about one token: node-llama-cpp's
 * defaults (from 1 matching token, up to 3 guesses), not measured here.
 */
export function promptLookupSettings(onGpu: boolean): LookupOptions {
  return onGpu ? undefined : { patternLength: { min: 3 }, predictionLength: { min: 11, max: 15 } };
}

export class SwitchablePromptLookup extends TokenPredictor {
  /** Whether predictTokens guesses at all. Default false. */
  enabled = false;
  private readonly lookup: InputLookupTokenPredictor;

  constructor(options?: LookupOptions) {
    super();
    this.lookup = new InputLookupTokenPredictor(options);
  }

  // State is kept up to date either way, so switching on mid-sequence works.
  reset(parameters: ResetParameters): void {
    this.lookup.reset(parameters);
  }

  override updateInputTokens(tokens: Token[]): void {
    this.lookup.updateInputTokens(tokens);
  }

  pushTokens(tokens: Token[]): void {
    this.lookup.pushTokens(tokens);
  }

  predictTokens(): Token[] {
    return this.enabled ? this.lookup.predictTokens() : [];
  }

  override dispose(): void {
    this.lookup.dispose();
  }
}
