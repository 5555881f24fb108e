// The start-up check as each command makes it: with Claude chosen, `dellm run`, `dellm serve` and
// `dellm eval` ask the Models API before touching Docker, a model or GitHub, and stop on a model
// the key cannot use with one line listing the ones it can.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readEnv } from "../../shared/config.js";
import { fakeModel, FakeAnthropicApi } from "../../test/fake-anthropic-api.js";
import { ClaudeSetupError } from "../pipeline/claude-models.js";
import { evalCommand } from "./eval.js";
import { runCommand } from "./run.js";
import { serveCommand } from "./serve.js";

const KEY = "sk-ant-test";
let api: FakeAnthropicApi;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-planner-check-"));
  api = await FakeAnthropicApi.start({
    apiKey: KEY,
    models: [
      fakeModel("claude-sonnet-4-6", "2026-02-17T00:00:00Z"),
      fakeModel("claude-haiku-4-5", "2025-10-15T00:00:00Z"),
    ],
  });
});
afterEach(() => api.close());

const variables = (extra: Record<string, string> = {}) => ({
  ANTHROPIC_API_KEY: KEY,
  ANTHROPIC_BASE_URL: api.baseURL,
  DELLM_CLAUDE_MODEL: "claude-sonnet-4-20250514",
  DELLM_STATE_DIR: join(dir, "state"),
  ...extra,
});
const context = (extra: Record<string, string> = {}) => ({
  env: readEnv(variables(extra)),
  variables: variables(extra),
  log: () => {},
});
const RETIRED =
  /^DELLM_CLAUDE_MODEL=claude-sonnet-4-20250514 was retired by Anthropic on 2026-06-15; .*Models this key can use: claude-sonnet-4-6, claude-haiku-4-5$/;

describe("the Claude start-up check in each command", () => {
  it("dellm run --planner claude stops before the sandbox or any model", async () => {
    const error = await runCommand(
      ["Add fib", "--repo", join(dir, "repo"), "--planner", "claude", "--image", "no-such-image:never"],
      context(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaudeSetupError);
    expect((error as Error).message).toMatch(RETIRED);
    expect(api.requests.every((r) => r.path.startsWith("/v1/models"))).toBe(true);
  });

  it("dellm serve stops before taking work", async () => {
    const error = await serveCommand(
      [],
      context({ APP_ID: "1", PRIVATE_KEY: "unused", WEBHOOK_SECRET: "s", DELLM_SANDBOX_IMAGE: "no-such-image:never" }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaudeSetupError);
    expect((error as Error).message).toMatch(RETIRED);
  });

  it("dellm eval with the Claude planner stops before the first issue", async () => {
    const error = await evalCommand(
      ["--planner", "claude", "--only", "simple", "--image", "no-such-image:never", "--out", join(dir, "r.json")],
      { ...context(), progress: { write: () => true } },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaudeSetupError);
    expect((error as Error).message).toMatch(RETIRED);
  });

  it("a key the API refuses stops `dellm run` with a line about the key", async () => {
    const error = await runCommand(
      ["Add fib", "--repo", join(dir, "repo"), "--planner", "claude"],
      context({ ANTHROPIC_API_KEY: "sk-ant-wrong" }),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^the Anthropic API refused ANTHROPIC_API_KEY \(401 /);
  });
});
