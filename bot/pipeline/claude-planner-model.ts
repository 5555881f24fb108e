// Claude as the planner's model, through the official SDK (seed: claude-sonnet-4, 4096 tokens).
import Anthropic from "@anthropic-ai/sdk";
import type { CompletionOptions } from "../../shared/model/code-model.js";
import type { DellmEnv } from "../../shared/config.js";
import { Planner, type PlannerModel } from "./planner.js";

export interface ClaudeOptions {
  apiKey: string;
  model: string;
  maxTokens: number;
  /** Another endpoint speaking the Messages API (tests, proxies). */
  baseURL?: string;
  timeoutMs?: number;
}

export class ClaudePlannerModel implements PlannerModel {
  readonly name: string;
  private readonly client: Anthropic;

  constructor(private readonly options: ClaudeOptions) {
    this.name = `claude:${options.model}`;
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: options.timeoutMs ?? 120_000,
      maxRetries: 2,
    });
  }

  async complete(prompt: string, options: CompletionOptions = {}): Promise<string> {
    const message = await this.client.messages.create(
      {
        model: this.options.model,
        max_tokens: Math.min(options.maxTokens ?? this.options.maxTokens, this.options.maxTokens),
        messages: [{ role: "user", content: prompt }],
      },
      { signal: options.signal },
    );
    return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
  }
}

/** The planner on Claude, as ANTHROPIC_API_KEY and the DELLM_CLAUDE_* settings say. */
export function claudePlanner(env: DellmEnv): Planner {
  const model = new ClaudePlannerModel({
    apiKey: env.ANTHROPIC_API_KEY!,
    model: env.DELLM_CLAUDE_MODEL,
    maxTokens: env.DELLM_CLAUDE_MAX_TOKENS,
    baseURL: env.ANTHROPIC_BASE_URL,
  });
  return new Planner(model, { maxTokens: env.DELLM_CLAUDE_MAX_TOKENS });
}
