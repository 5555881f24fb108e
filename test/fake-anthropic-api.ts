// A local HTTP server speaking the parts of Anthropic's API the planner uses: the Messages API
// (POST /v1/messages) and the Models API (GET /v1/models, paginated; GET /v1/models/{id}). It checks
// the key like the real one (401 authentication_error), answers 404 not_found_error for a model it
// does not serve, and records every request so tests can assert what the SDK sent.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeModel {
  id: string;
  display_name: string;
  created_at: string;
  type: "model";
  line?: string | null;
  lifecycle?: "active" | "deprecated" | "retired";
  retires_at?: string | null;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: { model: string; max_tokens: number; messages: { role: string; content: string }[] } | undefined;
}

export interface FakeAnthropicOptions {
  apiKey: string;
  /** Listed by GET /v1/models in this order (tests choose it; the real API lists newest first). */
  models: FakeModel[];
  /** Entries a page holds at most, whatever `limit` asks, so pagination is exercised. */
  pageSize?: number;
  /** The text Claude answers to a prompt. */
  reply?: (prompt: string) => string;
}

export function fakeModel(id: string, createdAt: string, extra: Partial<FakeModel> = {}): FakeModel {
  return {
    id,
    display_name: id.replace(/^claude-/, "Claude ").replace(/-/g, " "),
    created_at: createdAt,
    type: "model",
    ...extra,
  };
}

export class FakeAnthropicApi {
  readonly requests: SeenRequest[] = [];
  /** Models no longer listed but still described by GET /v1/models/{id} (retired). */
  readonly retired: FakeModel[] = [];
  reply: (prompt: string) => string;

  private constructor(
    private readonly server: Server,
    readonly baseURL: string,
    readonly options: FakeAnthropicOptions,
  ) {
    this.reply = options.reply ?? (() => "[]");
  }

  static async start(options: FakeAnthropicOptions): Promise<FakeAnthropicApi> {
    let api: FakeAnthropicApi | undefined;
    const server = createServer((req, res) => {
      let raw = "";
      req.on("data", (chunk) => (raw += chunk));
      req.on("end", () => {
        const { status, body } = api!.answer(req, raw);
        res.writeHead(status, { "content-type": "application/json", "request-id": "req_test" });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    api = new FakeAnthropicApi(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    return api;
  }

  /** Anthropic retires a model: it leaves the list, and messages naming it answer 404. */
  retire(id: string, on: string): void {
    const index = this.options.models.findIndex((m) => m.id === id);
    const [model] = this.options.models.splice(index, 1);
    this.retired.push({ ...model!, lifecycle: "retired", retires_at: `${on}T00:00:00Z` });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, raw: string): { status: number; body: unknown } {
    const url = new URL(req.url ?? "/", this.baseURL);
    this.requests.push({
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: raw ? JSON.parse(raw) : undefined,
    });
    const key = req.headers["x-api-key"] ?? req.headers.authorization?.replace(/^Bearer /, "");
    if (key !== this.options.apiKey) return error(401, "authentication_error", "invalid x-api-key");
    if (req.method === "GET" && url.pathname === "/v1/models")
      return { status: 200, body: this.page(url.searchParams) };
    if (req.method === "GET" && url.pathname.startsWith("/v1/models/")) {
      const id = decodeURIComponent(url.pathname.slice("/v1/models/".length));
      const model = [...this.options.models, ...this.retired].find((m) => m.id === id);
      return model ? { status: 200, body: model } : error(404, "not_found_error", `model: ${id}`);
    }
    if (req.method === "POST" && url.pathname === "/v1/messages") {
      const request = JSON.parse(raw) as NonNullable<SeenRequest["body"]>;
      if (!this.options.models.some((m) => m.id === request.model))
        return error(404, "not_found_error", `model: ${request.model}`);
      return { status: 200, body: message(request.model, this.reply(request.messages[0]!.content)) };
    }
    return error(404, "not_found_error", `no route ${req.method} ${url.pathname}`);
  }

  /** Cursor pagination as the Models API does it: after_id, limit; has_more, first_id, last_id. */
  private page(query: URLSearchParams) {
    const all = this.options.models;
    const after = query.get("after_id");
    const start = after ? all.findIndex((m) => m.id === after) + 1 : 0;
    const size = Math.min(Number(query.get("limit") ?? 20), this.options.pageSize ?? Infinity);
    const data = all.slice(start, start + size);
    return {
      data,
      has_more: start + size < all.length,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    };
  }
}

function error(status: number, type: string, text: string) {
  return { status, body: { type: "error", error: { type, message: text } } };
}

function message(model: string, text: string) {
  return {
    id: "msg_test",
    type: "message",
    role: "assistant",
    model,
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 20 },
  };
}
