// Claude as the planner's model, through the official SDK. The model id comes from ClaudeModels: the
// configured DELLM_CLAUDE_MODEL, or the newest Sonnet the key can use (the seed pinned
// claude-sonnet-4-20250514, retired 2026-06-15). A "model not found" mid-job re-checks the list.
import type { Prompt } from "../../shared/prompts.js";
import Anthropic from "@anthropic-ai/sdk";
import type { CompletionOptions } from "../../shared/model/code-model.js";
import type { DellmEnv } from "../../shared/config.js";
import { ClaudeModels } from "./claude-models.js";
import type { PlannerModel } from "./planner.js";

export interface ClaudeOptions {
  apiKey: string;
  /** A model id as given (DELLM_CLAUDE_MODEL); undefined = the newest Sonnet the key can use. */
  model?: string;
  maxTokens: number;
  /** Another endpoint speaking the Messages and Models APIs (tests, proxies). */
  baseURL?: string;
  timeoutMs?: number;
}

export class ClaudePlannerModel implements PlannerModel {
  readonly service = "Anthropic's API";
  readonly models: ClaudeModels;
  private readonly client: Anthropic;
  /** The id last sent (or checked); undefined until then when none is configured. */
  private modelId: string | undefined;

  constructor(private readonly options: ClaudeOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeout: options.timeoutMs ?? 120_000,
      maxRetries: 2,
    });
    this.models = new ClaudeModels(this.client, { configured: options.model });
    this.modelId = options.model;
  }

  /** claude:<id>, as `dellm run` logs it. */
  get name(): string {
    return `claude:${this.modelId ?? "newest-sonnet (not checked yet)"}`;
  }

  /** The model id that answered last (what a job records as its planner). */
  get id(): string | undefined {
    return this.modelId;
  }

  /** Checks the key and the model with the Models API; resolves to the id that will be used. */
  async check(): Promise<string> {
    this.modelId = await this.models.current();
    return this.modelId;
  }

  async complete(prompt: Prompt, options: CompletionOptions = {}): Promise<string> {
    const model = await this.check();
    try {
      return await this.ask(model, prompt.text, options);
    } catch (error) {
      if (!(error instanceof Anthropic.NotFoundError)) throw error;
      // Retired or withdrawn while the bot runs: with no model configured, the newest Sonnet now; otherwise the explanation.
      this.modelId = await this.models.recheck(model);
      return await this.ask(this.modelId, prompt.text, options);
    }
  }

  private async ask(model: string, prompt: string, options: CompletionOptions): Promise<string> {
    const message = await this.client.messages.create(
      {
        model,
        max_tokens: Math.min(options.maxTokens ?? this.options.maxTokens, this.options.maxTokens),
        messages: [{ role: "user", content: prompt }],
      },
      { signal: options.signal },
    );
    return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
  }
}

/** Claude as ANTHROPIC_API_KEY and the DELLM_CLAUDE_* settings say (unchecked: choose-planner.ts checks it before work). */
export function claudePlannerModel(env: DellmEnv): ClaudePlannerModel {
  return new ClaudePlannerModel({
    apiKey: env.ANTHROPIC_API_KEY!,
    model: env.DELLM_CLAUDE_MODEL,
    maxTokens: env.DELLM_CLAUDE_MAX_TOKENS,
    baseURL: env.ANTHROPIC_BASE_URL,
  });
}

/** Which model planned, for the job record, the progress comment and the PR: the Claude id, or local (<GGUF>). */
export function plannerModelLabel(model: PlannerModel): string {
  if (model instanceof ClaudePlannerModel) return model.id ?? model.name;
  return `local (${model.name})`;
}
