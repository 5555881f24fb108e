// The adaptive sizing of prompt-lookup guesses, on token ids alone (no model): longer guesses while
// the answer keeps copying, shorter after one is cut short, never outside [min, max].
import type { Token } from "node-llama-cpp";
import { describe, expect, it } from "vitest";
import { SwitchablePromptLookup } from "./prompt-lookup.js";

const tokens = (...ids: number[]) => ids as Token[];

describe("SwitchablePromptLookup's adaptive sizing", () => {
  it("doubles a guess taken whole, shrinks one cut short, and guesses nothing when switched off", () => {
    const prompt = tokens(...Array.from({ length: 40 }, (_, i) => 100 + i), 7, 100);
    const lookup = new SwitchablePromptLookup({ pattern: 1, min: 2, max: 8, adaptive: { start: 2 } });
    lookup.reset({ stateTokens: prompt } as Parameters<SwitchablePromptLookup["reset"]>[0]);
    lookup.updateInputTokens(prompt);
    expect(lookup.predictTokens()).toEqual([]); // off
    lookup.enabled = true;
    expect(lookup.predictTokens()).toEqual(tokens(101, 102)); // the start size
    lookup.pushTokens(tokens(101, 102, 103)); // taken whole, then the model's own token
    expect(lookup.predictTokens()).toEqual(tokens(104, 105, 106, 107)); // twice as many
    lookup.pushTokens(tokens(104, 105, 106, 107, 108));
    expect(lookup.predictTokens()).toEqual(tokens(109, 110, 111, 112, 113, 114, 115, 116)); // up to max
    lookup.pushTokens(tokens(109, 110, 111, 112, 113, 114, 115, 116, 117));
    expect(lookup.predictTokens()).toHaveLength(8); // held at max
    lookup.pushTokens(tokens(118, 1)); // cut short after one token
    lookup.pushTokens(tokens(100));
    expect(lookup.predictTokens()).toEqual(tokens(101, 102)); // one more than taken: 2 (also the min)
    lookup.dispose();
  });
});

describe("SwitchablePromptLookup on a library that checks only a batch's first guess", () => {
  const prompt = tokens(...Array.from({ length: 40 }, (_, i) => 100 + i), 7, 100);
  const start = (oneGuessWhenCut?: boolean) => {
    const lookup = new SwitchablePromptLookup({ pattern: 1, min: 2, max: 8, adaptive: { start: 4 }, oneGuessWhenCut });
    lookup.reset({ stateTokens: prompt } as Parameters<SwitchablePromptLookup["reset"]>[0]);
    lookup.updateInputTokens(prompt);
    lookup.enabled = true;
    return lookup;
  };

  it("keeps guessing long runs where the whole chain is taken", () => {
    const lookup = start();
    expect(lookup.predictTokens()).toEqual(tokens(101, 102, 103, 104));
    lookup.pushTokens(tokens(101, 102, 103, 104, 105)); // all four taken, then the model's own token
    expect(lookup.predictTokens()).toHaveLength(8);
    expect(lookup.chainsCut).toBe(false);
  });

  it("notices a right guess left unchecked and then guesses one token, or none when told", () => {
    for (const [oneGuessWhenCut, after] of [
      [undefined, tokens(107)],
      [false, tokens()],
    ] as const) {
      const lookup = start(oneGuessWhenCut);
      expect(lookup.predictTokens()).toEqual(tokens(101, 102, 103, 104));
      // The library took 101 and stopped, though the answer's next token (102) was the next guess;
      // so twice more (once could be a batch cut short at the context's end).
      for (const next of [101, 103, 105]) {
        lookup.pushTokens(tokens(next));
        lookup.pushTokens(tokens(next + 1));
        if (next < 105) expect(lookup.predictTokens()).toEqual(tokens(next + 2, next + 3, next + 4, next + 5));
      }
      expect(lookup.predictTokens()).toEqual(after);
      expect(lookup.chainsCut).toBe(true);
    }
  });

  it("does not mistake a guess the answer left for a cut chain, however often", () => {
    const lookup = start();
    expect(lookup.predictTokens()).toEqual(tokens(101, 102, 103, 104));
    // Three times: the first guess taken, then the answer goes elsewhere in the prompt (2 tokens
    // handed over, as from an unpatched library, but the second guess was wrong).
    for (const [taken, elsewhere] of [
      [101, 110],
      [111, 120],
      [121, 130],
    ]) {
      lookup.pushTokens(tokens(taken!, elsewhere!));
      expect(lookup.predictTokens()).toEqual(tokens(elsewhere! + 1, elsewhere! + 2)); // one more than taken
    }
    expect(lookup.chainsCut).toBe(false);
  });
});
