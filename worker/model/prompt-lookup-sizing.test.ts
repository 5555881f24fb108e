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
