// Which Claude model the planner uses, decided with the Models API (GET /v1/models) rather than a
// hard-coded id: Anthropic retires ids (claude-sonnet-4-20250514 on 2026-06-15), and a bot pinned to
// one then fails every job. Unset DELLM_CLAUDE_MODEL = the newest Sonnet the key can use; a set one is
// used as given, once the key is shown to be able to use it. Problems are one line naming the fix.
import Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";

/** What the bot reads of a Models API entry; newer fields are optional so older endpoints still parse. */
export const ClaudeModelInfoSchema = z.object({
  id: z.string().min(1),
  display_name: z.string(),
  created_at: z.string(),
  type: z.literal("model"),
  /** The model line (sonnet, opus, haiku…); older API versions leave it out. */
  line: z.string().nullish(),
  lifecycle: z.string().nullish(),
  deprecated_at: z.string().nullish(),
  retires_at: z.string().nullish(),
});
export type ClaudeModelInfo = z.infer<typeof ClaudeModelInfoSchema>;

/** Retired before the Models API said so itself; the seed's default is the first. */
const KNOWN_RETIRED: Record<string, string> = {
  "claude-sonnet-4-20250514": "2026-06-15",
  "claude-opus-4-20250514": "2026-06-15",
};

/** The key, the model or the API is not usable: stop (at start) or fail the job (mid-run) with this line. */
export class ClaudeSetupError extends Error {
  override name = "ClaudeSetupError";
  constructor(
    message: string,
    readonly problem: "key-refused" | "model-unavailable" | "model-retired" | "no-sonnet" | "unreachable",
  ) {
    super(message);
  }
}

/** The model's family: the API's `line` when it gives one, else read from the id (claude-sonnet-4-6, claude-3-5-sonnet-…). */
export function modelFamily(model: ClaudeModelInfo): string | undefined {
  if (model.line) return model.line;
  return /(?:^|-)(sonnet|opus|haiku)(?:-|$)/.exec(model.id)?.[1];
}

const releasedAt = (model: ClaudeModelInfo) => Date.parse(model.created_at) || 0;
const usable = (model: ClaudeModelInfo) => model.lifecycle !== "retired";

/** The newest Sonnet by release date (not list position); active ones before deprecated ones. */
export function newestSonnet(models: ClaudeModelInfo[]): ClaudeModelInfo | undefined {
  const sonnets = models.filter((m) => usable(m) && modelFamily(m) === "sonnet");
  const rank = (m: ClaudeModelInfo) => (m.lifecycle === "deprecated" ? 0 : 1);
  return sonnets.sort((a, b) => rank(b) - rank(a) || releasedAt(b) - releasedAt(a))[0];
}

/** "claude-sonnet-4-6, claude-opus-4-7, …", newest first: what a person can put in DELLM_CLAUDE_MODEL. */
export function availableList(models: ClaudeModelInfo[]): string {
  const ids = models
    .filter(usable)
    .sort((a, b) => releasedAt(b) - releasedAt(a))
    .map((m) => m.id);
  return ids.length ? ids.join(", ") : "none";
}

export interface ClaudeModelsOptions {
  /** DELLM_CLAUDE_MODEL; undefined = the newest Sonnet the key can use. */
  configured?: string;
  /** Named in errors: where the key comes from. */
  keyName?: string;
}

/** The planner's model id, checked against the Models API once per process and again after a "not found". */
export class ClaudeModels {
  private chosen: Promise<string> | undefined;
  /** Set by the check when the configured model still works but is headed for retirement. */
  warning: string | undefined;

  constructor(
    private readonly client: Anthropic,
    private readonly options: ClaudeModelsOptions = {},
  ) {}

  /** The model id to send; the first call checks the key and the model (cached after that). */
  current(): Promise<string> {
    this.chosen ??= this.choose().catch((error: unknown) => {
      this.chosen = undefined; // a network hiccup at start is not remembered
      throw error;
    });
    return this.chosen;
  }

  /** The API said `failed` does not exist: look again. Resolves to another id worth trying, or throws the explanation. */
  async recheck(failed: string): Promise<string> {
    this.chosen = undefined;
    const models = await this.list();
    if (this.options.configured === undefined) {
      const newest = newestSonnet(models);
      if (newest && newest.id !== failed) {
        this.chosen = Promise.resolve(newest.id);
        return newest.id;
      }
    }
    throw await this.unavailable(failed, models, "mid-job");
  }

  /** Every model the key can use (all pages), as the API lists them. */
  async list(): Promise<ClaudeModelInfo[]> {
    const models: ClaudeModelInfo[] = [];
    try {
      for await (const entry of this.client.models.list({ limit: 100 })) {
        const parsed = ClaudeModelInfoSchema.safeParse(entry);
        if (parsed.success) models.push(parsed.data);
      }
    } catch (error) {
      throw this.apiProblem(error);
    }
    return models;
  }

  private async choose(): Promise<string> {
    const models = await this.list();
    const { configured } = this.options;
    if (configured === undefined) {
      const newest = newestSonnet(models);
      if (!newest)
        throw new ClaudeSetupError(
          `the Anthropic API lists no Sonnet model for this key (it can use: ${availableList(models)}); set DELLM_CLAUDE_MODEL to one of them`,
          "no-sonnet",
        );
      return newest.id;
    }
    const listed = models.find((m) => m.id === configured);
    if (listed && usable(listed)) {
      if (listed.lifecycle === "deprecated") {
        const when = listed.retires_at ? ` on ${listed.retires_at.slice(0, 10)}` : "";
        this.warning = `DELLM_CLAUDE_MODEL=${configured} is deprecated and will be retired${when}; newest Sonnet now: ${newestSonnet(models)?.id ?? "none"}`;
      }
      return configured;
    }
    throw await this.unavailable(configured, models, "start");
  }

  /** Why `id` cannot be used: retired (the API's lifecycle, or known), or not a model this key has. */
  private async unavailable(
    id: string,
    models: ClaudeModelInfo[],
    when: "start" | "mid-job",
  ): Promise<ClaudeSetupError> {
    const info = models.find((m) => m.id === id) ?? (await this.retrieve(id));
    const retiredOn =
      info?.lifecycle === "retired"
        ? ((info.retires_at ?? info.deprecated_at ?? undefined)?.slice(0, 10) ?? "an earlier date")
        : KNOWN_RETIRED[id];
    const setting =
      this.options.configured === undefined
        ? `the newest Sonnet this key could use, ${id},`
        : `DELLM_CLAUDE_MODEL=${id}`;
    const what = retiredOn
      ? `${setting} was retired by Anthropic on ${retiredOn}`
      : `${setting} is not a model this ANTHROPIC_API_KEY can use${when === "mid-job" ? " any more (the API answered 404 not_found_error)" : ""}`;
    const fix =
      this.options.configured === undefined
        ? "set DELLM_CLAUDE_MODEL to one of them"
        : "set DELLM_CLAUDE_MODEL to one of them, or unset it to use the newest Sonnet";
    return new ClaudeSetupError(
      `${what}; ${fix}. Models this key can use: ${availableList(models)}`,
      retiredOn ? "model-retired" : "model-unavailable",
    );
  }

  /** One model's entry, when the API still describes it (retired ones may be); undefined when it does not. */
  private async retrieve(id: string): Promise<ClaudeModelInfo | undefined> {
    try {
      const parsed = ClaudeModelInfoSchema.safeParse(await this.client.models.retrieve(id));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private apiProblem(error: unknown): Error {
    const key = this.options.keyName ?? "ANTHROPIC_API_KEY";
    if (error instanceof Anthropic.AuthenticationError || error instanceof Anthropic.PermissionDeniedError) {
      return new ClaudeSetupError(
        `the Anthropic API refused ${key} (${error.status} ${error.apiMessage ?? error.message}); set a valid key from console.anthropic.com, or unset it to plan with the local model`,
        "key-refused",
      );
    }
    if (error instanceof Anthropic.APIConnectionError) {
      return new ClaudeSetupError(
        `could not reach the Anthropic API to check the planner's model (${error.message}); check the network or ANTHROPIC_BASE_URL`,
        "unreachable",
      );
    }
    if (error instanceof Anthropic.APIError) {
      return new ClaudeSetupError(
        `the Anthropic API could not list the models this key can use (${error.message}); try again later`,
        "unreachable",
      );
    }
    return error as Error;
  }
}
