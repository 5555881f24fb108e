// Decomposition (Query 5.1) and the final message (Query 5.7). The model behind them is
// swappable: Claude through @anthropic-ai/sdk, or the workers' local model when no key is set.
import { decompositionPrompt, renderPlan, summaryPrompt, type Prompt } from "../../shared/prompts.js";
import type { Task } from "../../shared/schemas.js";
import type { CompletionOptions } from "../../shared/model/code-model.js";
import { extractJson } from "../../shared/model/model-output.js";
import { PlanRejectedError, validatePlan } from "./plan-validation.js";

/** Any model that answers a prompt; CodeModel satisfies it, and so does ClaudePlannerModel. */
export interface PlannerModel {
  readonly name: string;
  /** The third party the prompts are sent to (e.g. "Anthropic's API"); absent when the model runs here. */
  readonly service?: string;
  complete(prompt: Prompt, options?: CompletionOptions): Promise<string>;
}

export interface PlannerOptions {
  /** Re-asks after an invalid plan, each told what was wrong (default 2). */
  retries?: number;
  maxTokens?: number;
}

/** JSON schema of a plan: constrains local models' grammar; Claude is told the same in words. */
export const planJsonSchema = {
  type: "array",
  minItems: 1,
  maxItems: 12,
  items: {
    type: "object",
    properties: {
      id: { type: "integer" },
      description: { type: "string" },
      file: { type: "string" },
      dependencies: { type: "array", items: { type: "integer" } },
      input_output_spec: { type: "string" },
      directory: { type: "string" },
      context: { type: "string" },
    },
    required: ["id", "description", "file", "dependencies", "input_output_spec", "directory", "context"],
  },
} as const;

/** A coding request from an issue: its title, then its body — how the GitHub App and `dellm eval` ask the planner. */
export function issueRequest(issue: { title: string; body: string }): string {
  return `${issue.title}\n\n${issue.body}`.trim();
}

export interface DecomposeOptions {
  signal?: AbortSignal;
  /** Appended to Query 5.1: what the repository already holds (see repositoryContext). */
  repositoryContext?: string;
  /** Plans with more tasks are re-asked, then refused. */
  maxTasks?: number;
}

export class Planner {
  private readonly retries: number;
  private readonly maxTokens: number;

  constructor(
    readonly model: PlannerModel,
    options: PlannerOptions = {},
  ) {
    this.retries = options.retries ?? 2;
    this.maxTokens = options.maxTokens ?? 4096;
  }

  /** Query 5.1, validated; invalid plans are re-asked with the reasons, then PlanRejectedError. */
  async decompose(userQuery: string, options: DecomposeOptions = {}): Promise<Task[]> {
    const { signal, maxTasks } = options;
    const limit = maxTasks ? `\n\nUse at most ${maxTasks} tasks.` : "";
    const base = decompositionPrompt(userQuery);
    base.text += (options.repositoryContext ?? "") + limit;
    const problems: string[] = [];
    for (let ask = 0; ask <= this.retries; ask++) {
      const prompt = problems.length
        ? {
            ...base,
            text: `${base.text}\n\nYour previous answer was rejected: ${problems.at(-1)}\nReturn ONLY the corrected JSON array.`,
          }
        : base;
      const answer = await this.model.complete(prompt, {
        maxTokens: this.maxTokens,
        jsonSchema: planJsonSchema,
        signal,
      });
      try {
        const tasks = validatePlan(extractJson(answer));
        if (maxTasks && tasks.length > maxTasks)
          throw new PlanRejectedError([
            `the plan has ${tasks.length} tasks; this repository allows at most ${maxTasks}`,
          ]);
        return tasks;
      } catch (error) {
        const reason = error instanceof PlanRejectedError ? error.problems.join("; ") : (error as Error).message;
        problems.push(`answer ${ask + 1}: ${reason}`);
      }
    }
    throw new PlanRejectedError(problems);
  }

  /** Query 5.7 text; the caller appends the fixed results block. */
  async summarize(userQuery: string, tasks: Task[], signal?: AbortSignal, problems: string[] = []): Promise<string> {
    const answer = await this.model.complete(summaryPrompt(userQuery, renderPlan(tasks), problems), {
      maxTokens: 400,
      signal,
    });
    return answer.trim();
  }
}
