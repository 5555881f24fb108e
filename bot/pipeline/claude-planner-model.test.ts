// Contract test at the HTTP boundary: a local server speaks the Messages API; the request the SDK
// sends is asserted field by field, and the answer goes through the real Planner.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClaudePlannerModel } from "./claude-planner-model.js";
import { PlanRejectedError } from "./plan-validation.js";
import { Planner } from "./planner.js";

interface Seen {
  path: string;
  headers: IncomingMessage["headers"];
  body: { model: string; max_tokens: number; messages: { role: string; content: string }[] };
}

let server: Server;
let baseURL: string;
const seen: Seen[] = [];
const replies: string[] = [];

function messageResponse(text: string) {
  return {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-20250514",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 20 },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      seen.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(raw) });
      res.writeHead(200, { "content-type": "application/json", "request-id": "req_test" });
      res.end(JSON.stringify(messageResponse(replies.shift() ?? "[]")));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const model = () => new ClaudePlannerModel({ apiKey: "sk-ant-test", model: "claude-sonnet-4-20250514", maxTokens: 4096, baseURL });

describe("Claude planner over the Messages API", () => {
  it("sends prompt 5.1 with the configured model and token limit, and parses the plan", async () => {
    seen.length = 0;
    replies.push(
      'Here is the plan:\n[{"id": 1, "description": "fib", "file": "fib.py", "dependencies": [], "input_output_spec": "n -> int", "directory": "", "context": "math"}]',
    );
    const tasks = await new Planner(model()).decompose("Create a Python function to calculate fibonacci");
    expect(tasks).toEqual([{ id: 1, description: "fib", file: "fib.py", dependencies: [], input_output_spec: "n -> int", directory: "", context: "math" }]);
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(request.path).toBe("/v1/messages");
    // SDK 1.x sends the key as a bearer token; older ones used x-api-key. Either carries our key.
    expect([request.headers["x-api-key"], request.headers.authorization]).toContain(
      request.headers["x-api-key"] ? "sk-ant-test" : "Bearer sk-ant-test",
    );
    expect(request.headers["anthropic-version"]).toBeTruthy();
    expect(request.body.model).toBe("claude-sonnet-4-20250514");
    expect(request.body.max_tokens).toBe(4096);
    expect(request.body.messages).toHaveLength(1);
    expect(request.body.messages[0]!.role).toBe("user");
    expect(request.body.messages[0]!.content).toMatch(/^Given Create a Python function to calculate fibonacci:\nI need you to understand the user query/);
  });

  it("re-asks after invalid JSON and reports it when it never gets valid", async () => {
    seen.length = 0;
    replies.push("I cannot do that", "[{ broken json", "still no json");
    const error = await new Planner(model(), { retries: 2 }).decompose("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanRejectedError);
    expect((error as Error).message).toMatch(/no JSON.*answer 2: the answer's JSON is not closed/s);
    expect(seen).toHaveLength(3);
    expect(seen[1]!.body.messages[0]!.content).toContain("Your previous answer was rejected");
  });

  it("sends the repository context after prompt 5.1 and re-asks a plan over the repository's task limit", async () => {
    seen.length = 0;
    const task = (id: number) => ({ id, description: `t${id}`, file: `t${id}.py`, dependencies: [], input_output_spec: "", directory: "", context: "" });
    replies.push(JSON.stringify([task(1), task(2)]), JSON.stringify([task(1)]));
    const repositoryContext = "\n\nRepository context (plan tasks that change existing files where they fit, and new files where not):\nREADME.md";
    const tasks = await new Planner(model()).decompose("Add t1", { repositoryContext, maxTasks: 1 });
    expect(tasks).toEqual([task(1)]);
    expect(seen).toHaveLength(2);
    const first = seen[0]!.body.messages[0]!.content;
    expect(first).toMatch(/^Given Add t1:\nI need you to understand the user query/);
    expect(first.endsWith(`${repositoryContext}\n\nUse at most 1 tasks.`)).toBe(true);
    expect(seen[1]!.body.messages[0]!.content).toContain("the plan has 2 tasks; this repository allows at most 1");
  });
});
