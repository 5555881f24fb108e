// Claude as the planner's model, through the official SDK (seed: claude-sonnet-4, 4096 tokens).
import Anthropic from "@anthropic-ai/sdk";
import type { CompletionOptions } from "../worker/code-model.js";
import type { PlannerModel } from "./planner.js";

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
