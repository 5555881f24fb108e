// What a producer keeps of each answer so that another machine can show it is the named model's own
// greedy answer (issue 22): the answer's token ids and how the generation ended. The prompt is not
// part of it on purpose: a verifier rebuilds the prompt from the task, never takes the producer's.
import { z } from "zod";

/** Answer tokens a transcript may carry: the seed's 2048 output tokens with room for a longer limit. */
export const MAX_TRANSCRIPT_TOKENS = 8192;

export const AnswerTranscriptSchema = z.object({
  /** The answer's tokens in the model's vocabulary, as generated (prompt-lookup guesses included). */
  tokens: z
    .array(
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 31 - 1),
    )
    .max(MAX_TRANSCRIPT_TOKENS),
  /**
   * "end": the model chose an end-of-generation token after the last one; "max_tokens": the token
   * limit cut it (a verifier accepts that only at its own limit); "stop_text": under a grammar, the
   * model's next token would complete the grammar's stop text (node-llama-cpp's JSON grammars stop
   * at four newlines after the value).
   */
  stop: z.enum(["end", "max_tokens", "stop_text"]),
});
export type AnswerTranscript = z.infer<typeof AnswerTranscriptSchema>;

/** The outcome of one generation check: is this answer the model's own greedy answer to the prompt? */
export interface GenerationCheck {
  ok: boolean;
  /** Positions compared with the model's top choice (the answer's tokens, plus the end when it ended). */
  checkedPositions: number;
  /**
   * The largest (top logit − logit of the token the answer has) over all positions: 0 when every
   * token was the strict top choice; a small value is a near-tie that numerics across thread counts,
   * batch sizes and instruction sets can flip.
   */
  worstGap: number;
  /** The first position where the answer is not the model's choice, beyond the allowed gap. */
  mismatch?: { index: number; token: number; expected: number; gap: number };
  /** Why the check failed, for logs and the PR table (absent when ok). */
  reason?: string;
  /**
   * The check could not decide (under a grammar, more tokens ranked above the answer's than it
   * looked at): not evidence against the producer; the file is "not checked".
   */
  undecided?: boolean;
}

/** How a result's file was shown to be (or not to be) the model's own answer; set by the bot only. */
export const GenerationStatusSchema = z.discriminatedUnion("status", [
  /** `caveat`: what the check could not cover (a repair round's quoted failure log, which is not reproduced). */
  z.object({ status: z.literal("checked"), by: z.string().max(200), caveat: z.string().max(500).optional() }),
  z.object({ status: z.literal("failed"), by: z.string().max(200), reason: z.string().max(2_000) }),
  z.object({ status: z.literal("not_checked"), reason: z.string().max(2_000) }),
  /** Not checked against the model, but `agree` of `of` independent volunteers wrote the same file (greedy replicas). */
  z.object({
    status: z.literal("replicas_agree"),
    agree: z.number().int().min(2),
    of: z.number().int().min(2),
    reason: z.string().max(2_000),
  }),
]);
export type GenerationStatus = z.infer<typeof GenerationStatusSchema>;
