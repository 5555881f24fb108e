// Prompt-lookup decoding (speculative decoding without a draft model): when the answer copies long
// runs of the prompt, as edits to an existing file and repairs of shown code do, node-llama-cpp's
// InputLookupTokenPredictor guesses the next tokens from the prompt and the model checks several
// in one batch. A check only accepts the tokens the model itself would have chosen, so the answer
// is the same; only its speed changes. A sequence's predictor is fixed when the sequence is made,
// so this one is switched per call: on for prompts the answer copies, off (no guesses) otherwise,
// where refuted guesses would only cost time; and only where checking guesses is cheap (promptLookup).
import { InputLookupTokenPredictor, TokenPredictor, type Token } from "node-llama-cpp";

type ResetParameters = Parameters<TokenPredictor["reset"]>[0];

export class SwitchablePromptLookup extends TokenPredictor {
  /** Whether predictTokens guesses at all. Default false. */
  enabled = false;
  private readonly lookup: InputLookupTokenPredictor;

  constructor(options?: ConstructorParameters<typeof InputLookupTokenPredictor>[0]) {
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
