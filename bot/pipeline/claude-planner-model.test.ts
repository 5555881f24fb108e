// Contract tests at the HTTP boundary: a local server speaks the Messages and Models APIs; the
// requests the SDK sends are asserted field by field, and the answers go through the real Planner and
// the start-up check (choose-planner.ts) as `dellm run`, `serve` and `eval` make it.
import { afterEach, describe, expect, it } from "vitest";
import { readEnv } from "../../shared/config.js";
import { plainPrompt } from "../../shared/prompts.js";
import { fakeModel, FakeAnthropicApi, type FakeModel } from "../../test/fake-anthropic-api.js";
import { ClaudeSetupError } from "./claude-models.js";
import { ClaudePlannerModel } from "./claude-planner-model.js";
import { checkedClaudePlanner, plannerKind } from "./choose-planner.js";
import { PlanRejectedError } from "./plan-validation.js";
import { Planner } from "./planner.js";

const KEY = "sk-ant-test";
/** Listed out of date order, old and new Sonnets among Opus and Haiku: the choice must go by family and date. */
const catalogue = (): FakeModel[] => [
  fakeModel("claude-haiku-4-5", "2025-10-15T00:00:00Z", { line: "haiku" }),
  fakeModel("claude-sonnet-4-5-20250929", "2025-09-29T00:00:00Z", { line: "sonnet" }),
  fakeModel("claude-opus-4-7", "2026-04-16T00:00:00Z", { line: "opus" }),
  fakeModel("claude-3-5-sonnet-20241022", "2024-10-22T00:00:00Z"), // no `line`: older API versions leave it out
  fakeModel("claude-sonnet-4-6", "2026-02-17T00:00:00Z", { line: "sonnet" }),
];
const planAnswer = JSON.stringify([
  {
    id: 1,
    description: "fib",
    file: "fib.py",
    dependencies: [],
    input_output_spec: "n -> int",
    directory: "",
    context: "math",
  },
]);

let api: FakeAnthropicApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function serve(models = catalogue(), reply?: (prompt: string) => string): Promise<FakeAnthropicApi> {
  api = await FakeAnthropicApi.start({ apiKey: KEY, models, pageSize: 2, reply });
  return api;
}

function env(server: FakeAnthropicApi, variables: Record<string, string> = {}) {
  return readEnv({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.baseURL, ...variables });
}

const messages = (server: FakeAnthropicApi) => server.requests.filter((r) => r.path === "/v1/messages");
const listings = (server: FakeAnthropicApi) => server.requests.filter((r) => r.path === "/v1/models");

/** The key travels as x-api-key, or as a bearer token (the SDK's newer default). */
function keyOf(request: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  return (
    (request.headers["x-api-key"] as string | undefined) ??
    (request.headers.authorization as string | undefined)?.replace(/^Bearer /, "")
  );
}

describe("Claude planner over the Messages API", () => {
  const model = (server: FakeAnthropicApi) =>
    new ClaudePlannerModel({ apiKey: KEY, model: "claude-sonnet-4-6", maxTokens: 4096, baseURL: server.baseURL });

  it("sends prompt 5.1 with the configured model and token limit, and parses the plan", async () => {
    const server = await serve(catalogue(), () => `Here is the plan:\n${planAnswer}`);
    const tasks = await new Planner(model(server)).decompose("Create a Python function to calculate fibonacci");
    expect(tasks).toEqual([
      {
        id: 1,
        description: "fib",
        file: "fib.py",
        dependencies: [],
        input_output_spec: "n -> int",
        directory: "",
        context: "math",
      },
    ]);
    expect(messages(server)).toHaveLength(1);
    const request = messages(server)[0]!;
    expect(request.method).toBe("POST");
    expect(keyOf(request)).toBe(KEY);
    expect(request.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request.body!.model).toBe("claude-sonnet-4-6");
    expect(request.body!.max_tokens).toBe(4096);
    expect(request.body!.messages).toHaveLength(1);
    expect(request.body!.messages[0]!.role).toBe("user");
    expect(request.body!.messages[0]!.content).toMatch(
      /^Given Create a Python function to calculate fibonacci:\nI need you to understand the user query/,
    );
  });

  it("re-asks after invalid JSON and reports it when it never gets valid", async () => {
    const answers = ["I cannot do that", "[{ broken json", "still no json"];
    const server = await serve(catalogue(), () => answers.shift() ?? "");
    const error = await new Planner(model(server), { retries: 2 }).decompose("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanRejectedError);
    expect((error as Error).message).toMatch(/no JSON.*answer 2: the answer's JSON is not closed/s);
    expect(messages(server)).toHaveLength(3);
    expect(messages(server)[1]!.body!.messages[0]!.content).toContain("Your previous answer was rejected");
  });

  it("sends the repository context after prompt 5.1 and re-asks a plan over the repository's task limit", async () => {
    const task = (id: number) => ({
      id,
      description: `t${id}`,
      file: `t${id}.py`,
      dependencies: [],
      input_output_spec: "",
      directory: "",
      context: "",
    });
    const answers = [JSON.stringify([task(1), task(2)]), JSON.stringify([task(1)])];
    const server = await serve(catalogue(), () => answers.shift() ?? "");
    const repositoryContext =
      "\n\nRepository context (plan tasks that change existing files where they fit, and new files where not):\nREADME.md";
    const tasks = await new Planner(model(server)).decompose("Add t1", { repositoryContext, maxTasks: 1 });
    expect(tasks).toEqual([task(1)]);
    expect(messages(server)).toHaveLength(2);
    const first = messages(server)[0]!.body!.messages[0]!.content;
    expect(first).toMatch(/^Given Add t1:\nI need you to understand the user query/);
    expect(first.endsWith(`${repositoryContext}\n\nUse at most 1 tasks.`)).toBe(true);
    expect(messages(server)[1]!.body!.messages[0]!.content).toContain(
      "the plan has 2 tasks; this repository allows at most 1",
    );
  });
});

describe("the planner's Claude model, chosen and checked with the Models API", () => {
  it("with DELLM_CLAUDE_MODEL unset, uses the newest Sonnet by release date, reading every page of the list once", async () => {
    const server = await serve(catalogue(), () => planAnswer);
    const lines: string[] = [];
    const planner = await checkedClaudePlanner(env(server), (line) => lines.push(line));
    expect(planner.model.name).toBe("claude:claude-sonnet-4-6");
    expect(lines[0]).toMatch(/^\[model\] Claude claude-sonnet-4-6: the newest Sonnet this key can use/);

    // Five models in pages of two: three requests, each asking for 100, the later ones after the last id seen.
    const pages = listings(server);
    expect(pages.map((r) => [r.method, r.query.get("limit"), r.query.get("after_id")])).toEqual([
      ["GET", "100", null],
      ["GET", "100", "claude-sonnet-4-5-20250929"],
      ["GET", "100", "claude-3-5-sonnet-20241022"],
    ]);
    for (const request of pages) {
      expect(keyOf(request)).toBe(KEY);
      expect(request.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }

    // Planning sends the chosen id; the choice is cached for the process (no second listing).
    await planner.decompose("fib");
    await planner.decompose("fib again");
    expect(messages(server).map((r) => r.body!.model)).toEqual(["claude-sonnet-4-6", "claude-sonnet-4-6"]);
    expect(listings(server)).toHaveLength(3);
  });

  it("picks by family and date, not position: an older Sonnet listed first loses, a newer Opus is not a Sonnet", async () => {
    const server = await serve([
      fakeModel("claude-opus-4-7", "2026-04-16T00:00:00Z"),
      fakeModel("claude-sonnet-4-5-20250929", "2025-09-29T00:00:00Z"),
      fakeModel("claude-sonnet-4-6", "2026-02-17T00:00:00Z", { lifecycle: "deprecated" }),
      fakeModel("claude-sonnet-4-5-1", "2025-11-01T00:00:00Z", { lifecycle: "active" }),
    ]);
    // A deprecated Sonnet is passed over while an active one exists.
    expect(await new ClaudePlannerModel({ apiKey: KEY, maxTokens: 100, baseURL: server.baseURL }).check()).toBe(
      "claude-sonnet-4-5-1",
    );
  });

  it("uses a configured DELLM_CLAUDE_MODEL as given once the key can use it", async () => {
    const server = await serve(catalogue(), () => planAnswer);
    const planner = await checkedClaudePlanner(env(server, { DELLM_CLAUDE_MODEL: "claude-haiku-4-5" }), () => {});
    await planner.decompose("fib");
    expect(messages(server).map((r) => r.body!.model)).toEqual(["claude-haiku-4-5"]);
  });

  it("stops at start when the configured model is not in the key's list, naming the models it can use", async () => {
    const server = await serve();
    const error = await checkedClaudePlanner(
      env(server, { DELLM_CLAUDE_MODEL: "claude-sonnet-5-preview" }),
      () => {},
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaudeSetupError);
    const text = (error as Error).message;
    expect(text).not.toContain("\n");
    expect(text).toMatch(
      /^DELLM_CLAUDE_MODEL=claude-sonnet-5-preview is not a model this ANTHROPIC_API_KEY can use; set DELLM_CLAUDE_MODEL to one of them, or unset it/,
    );
    expect(text).toMatch(
      /Models this key can use: claude-opus-4-7, claude-sonnet-4-6, claude-haiku-4-5, claude-sonnet-4-5-20250929, claude-3-5-sonnet-20241022$/,
    );
    expect(messages(server)).toEqual([]);
  });

  it("stops at start on the seed's retired claude-sonnet-4-20250514, saying it was retired and when", async () => {
    const server = await serve();
    server.retired.push(
      fakeModel("claude-sonnet-4-20250514", "2025-05-14T00:00:00Z", {
        lifecycle: "retired",
        retires_at: "2026-06-15T00:00:00Z",
      }),
    );
    const error = await checkedClaudePlanner(
      env(server, { DELLM_CLAUDE_MODEL: "claude-sonnet-4-20250514" }),
      () => {},
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaudeSetupError);
    expect((error as ClaudeSetupError).problem).toBe("model-retired");
    expect((error as Error).message).toMatch(
      /^DELLM_CLAUDE_MODEL=claude-sonnet-4-20250514 was retired by Anthropic on 2026-06-15; .*Models this key can use: claude-opus-4-7, claude-sonnet-4-6/,
    );
    // It asked the API about the model it did not list.
    expect(server.requests.some((r) => r.method === "GET" && r.path === "/v1/models/claude-sonnet-4-20250514")).toBe(
      true,
    );
  });

  it("stops at start on a key the API refuses (401), about the key", async () => {
    const server = await serve();
    const error = await checkedClaudePlanner(
      readEnv({ ANTHROPIC_API_KEY: "sk-ant-revoked", ANTHROPIC_BASE_URL: server.baseURL }),
      () => {},
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaudeSetupError);
    expect((error as ClaudeSetupError).problem).toBe("key-refused");
    expect((error as Error).message).toMatch(
      /^the Anthropic API refused ANTHROPIC_API_KEY \(401 invalid x-api-key\); set a valid key/,
    );
    expect(keyOf(server.requests[0]!)).toBe("sk-ant-revoked");
  });

  it("a model retired mid-run: unset, it moves to the newest Sonnet still listed; configured, it explains with the list", async () => {
    const server = await serve(catalogue(), () => planAnswer);
    const chosen = await checkedClaudePlanner(env(server), () => {});
    const pinned = await checkedClaudePlanner(env(server, { DELLM_CLAUDE_MODEL: "claude-sonnet-4-6" }), () => {});
    server.retire("claude-sonnet-4-6", "2026-09-01");

    await chosen.decompose("fib");
    expect(messages(server).map((r) => r.body!.model)).toEqual(["claude-sonnet-4-6", "claude-sonnet-4-5-20250929"]);
    expect(chosen.model.name).toBe("claude:claude-sonnet-4-5-20250929");

    const error = await pinned.decompose("fib").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaudeSetupError);
    expect((error as Error).message).toMatch(
      /^DELLM_CLAUDE_MODEL=claude-sonnet-4-6 was retired by Anthropic on 2026-09-01; .*Models this key can use: claude-opus-4-7, claude-haiku-4-5, claude-sonnet-4-5-20250929/,
    );
  });

  it("--planner claude without a key is a usage error; auto follows the key", async () => {
    expect(() => plannerKind("claude", readEnv({}))).toThrow(/--planner claude needs ANTHROPIC_API_KEY/);
    expect(plannerKind("auto", readEnv({}))).toBe("local");
    expect(plannerKind("auto", readEnv({ ANTHROPIC_API_KEY: KEY }))).toBe("claude");
    expect(readEnv({}).DELLM_CLAUDE_MODEL).toBeUndefined();
  });

  it("takes the text of a prompt object as the message", async () => {
    const server = await serve(catalogue(), () => "ok");
    const answer = await new ClaudePlannerModel({
      apiKey: KEY,
      model: "claude-haiku-4-5",
      maxTokens: 50,
      baseURL: server.baseURL,
    }).complete(plainPrompt("hello"));
    expect(answer).toBe("ok");
    expect(messages(server)[0]!.body!.messages[0]!.content).toBe("hello");
  });
});
