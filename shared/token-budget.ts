// The seed's token budget: a 32k context at most, 2048 tokens kept for the answer, prompts of at
// most 29k tokens, and when user query + plan pass 28k the plan is summarised (never the task).
// A prompt still too long gives up the repository's instructions first, then the user query.
import { joinTaskPath, renderPlan, type Prompt } from "./prompts.js";
import type { Task } from "./schemas.js";

export const TOKEN_LIMITS = {
  maxContext: 32_000,
  outputReserve: 2_048,
  maxPrompt: 29_000,
  maxQueryPlusPlan: 28_000,
  planSummary: 500,
} as const;

export type CountTokens = (text: string) => Promise<number>;

export interface BudgetLimits {
  /** Tokens kept for the answer (the seed's 2048, or half of a smaller context). */
  output: number;
  /** Largest prompt, in tokens, the model may be sent. */
  prompt: number;
  /** Above this, user query + plan no longer fit and the plan is summarised. */
  queryPlusPlan: number;
}

/** Limits for a model with this context window (smaller models get proportionally less room). */
export function budgetFor(contextSize: number): BudgetLimits {
  const context = Math.min(contextSize, TOKEN_LIMITS.maxContext);
  const output = Math.min(TOKEN_LIMITS.outputReserve, Math.floor(context / 2));
  const prompt = Math.min(TOKEN_LIMITS.maxPrompt, context - output);
  if (output < 64)
    throw new Error(
      `a context of ${contextSize} tokens is too small to prompt; use a model with a context of at least 128 tokens`,
    );
  // 28k of 29k at full size; the same share of a smaller model's room.
  const queryPlusPlan = Math.floor((prompt * TOKEN_LIMITS.maxQueryPlusPlan) / TOKEN_LIMITS.maxPrompt);
  return { output, prompt, queryPlusPlan };
}

/** Longest prefix of `text` within `maxTokens`, marked as cut (binary search over characters). */
export async function truncateToTokens(text: string, maxTokens: number, count: CountTokens): Promise<string> {
  if ((await count(text)) <= maxTokens) return text;
  const marker = " …[truncated]";
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if ((await count(text.slice(0, mid) + marker)) <= maxTokens) low = mid;
    else high = mid - 1;
  }
  return text.slice(0, low) + marker;
}

/**
 * A short plan of action that keeps what the current task needs: its own line and its
 * dependencies' lines in full, every other task by path only, within `maxTokens`.
 */
export async function summarisePlan(plan: Task[], task: Task, maxTokens: number, count: CountTokens): Promise<string> {
  const near = new Set([task.id, ...task.dependencies]);
  const full = renderPlan(plan.filter((t) => near.has(t.id)));
  const others = plan
    .filter((t) => !near.has(t.id))
    .sort((a, b) => a.id - b.id)
    .map((t) => `${t.id}. ${joinTaskPath(t)}`)
    .join("; ");
  const text = `(summary of ${plan.length} tasks) ${full}${others ? `\nOther tasks: ${others}` : ""}`;
  return truncateToTokens(text, maxTokens, count);
}

export interface FittedPrompt {
  prompt: Prompt;
  tokens: number;
  planSummarised: boolean;
  queryTruncated: boolean;
  /** The repository's instructions were cut (or left out) to fit. */
  instructionsShortened: boolean;
}

export interface FitInput {
  userQuery: string;
  plan: Task[];
  task: Task;
  /** Builds the final prompt from the (possibly shortened) query, rendered plan and repository instructions. */
  build: (userQuery: string, plan: string, instructions: string | undefined) => Prompt;
  contextSize: number;
  count: CountTokens;
}

/** Build a prompt that fits the budget, shortening the plan first and the user query only if still needed. */
export async function fitPrompt({ userQuery, plan, task, build, contextSize, count }: FitInput): Promise<FittedPrompt> {
  const limits = budgetFor(contextSize);
  let planText = renderPlan(plan);
  let planSummarised = false;
  if ((await count(userQuery)) + (await count(planText)) > limits.queryPlusPlan) {
    const planBudget = Math.min(TOKEN_LIMITS.planSummary, Math.floor(limits.prompt / 8));
    planText = await summarisePlan(plan, task, planBudget, count);
    planSummarised = true;
  }
  const instructions = await fitInstructions(task.repository_instructions, limits.prompt, count, (text) =>
    build(userQuery, planText, text),
  );
  let prompt = build(userQuery, planText, instructions);
  let tokens = await count(prompt.text);
  let queryTruncated = false;
  if (tokens > limits.prompt) {
    // The task itself is never cut; the user query gives up whatever room the rest needs.
    const withoutQuery = await count(build("", planText, instructions).text);
    let room = limits.prompt - withoutQuery;
    queryTruncated = true;
    // Token boundaries can shift when texts are joined, so shrink until the whole prompt fits.
    while (tokens > limits.prompt) {
      if (room <= 0) {
        throw new Error(
          `task ${task.id} alone needs ${withoutQuery} tokens, more than the ${limits.prompt}-token prompt budget; split the task or use a model with a larger context`,
        );
      }
      prompt = build(await truncateToTokens(userQuery, room, count), planText, instructions);
      tokens = await count(prompt.text);
      room -= Math.max(1, tokens - limits.prompt);
    }
  }
  return {
    prompt,
    tokens,
    planSummarised,
    queryTruncated,
    instructionsShortened: instructions !== task.repository_instructions,
  };
}

/** Fewer tokens than this of the instructions are not worth showing: they are left out. */
const MIN_INSTRUCTION_TOKENS = 32;

/** The instructions as they fit the prompt (whole, cut, or left out when less than a little room is left). */
async function fitInstructions(
  instructions: string | undefined,
  maxPrompt: number,
  count: CountTokens,
  build: (instructions: string | undefined) => Prompt,
): Promise<string | undefined> {
  if (!instructions || (await count(build(instructions).text)) <= maxPrompt) return instructions;
  let room = maxPrompt - (await count(build(undefined).text));
  let fitted: string | undefined;
  // Token boundaries shift when texts are joined: shrink until the whole prompt fits.
  while (room >= MIN_INSTRUCTION_TOKENS) {
    fitted = await truncateToTokens(instructions, room, count);
    const tokens = await count(build(fitted).text);
    if (tokens <= maxPrompt) return fitted;
    room -= Math.max(1, tokens - maxPrompt);
  }
  return undefined;
}
