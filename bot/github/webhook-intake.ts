// What reaches Probot's webhook middleware, and what its logs may hold. @octokit/webhooks reads a
// delivery's whole body with no limit, and on a wrong signature attaches that body to the error,
// which Probot's error handler and the middleware both log in full: one unauthenticated POST could
// cost memory and log of several times its size. Here a body over GitHub's own cap is refused
// while it streams (413), the signature is checked on the bytes read before anything else sees
// them (400 and one short line), and every error or event Probot logs is cut to an excerpt.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger, Probot } from "probot";

/** GitHub caps webhook payloads at 25 MB; larger bodies are never GitHub's. */
export const WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;
/** The most characters of any one request-derived string that reach the log. */
export const LOG_EXCERPT_CHARS = 200;

export interface WebhookIntakeOptions {
  /** The webhook secret (the same one Probot is given). */
  secret: string;
  maxBytes?: number;
}

type Middleware = Awaited<ReturnType<Probot["getNodeMiddleware"]>>;
// TypeScript's mixin rule: a class extended by a function takes `...args: any[]`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ProbotClass = new (...args: any[]) => Probot;

/**
 * `Base` (e.g. `Probot.defaults({...})`) with the webhook middleware guarded and its log cut to
 * excerpts; give the result to Probot's `Server` as its `Probot`.
 */
export function withWebhookIntake<T extends ProbotClass>(
  Base: T,
  { secret, maxBytes = WEBHOOK_MAX_BYTES }: WebhookIntakeOptions,
): T {
  return class extends Base {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the mixin rule above
    constructor(...args: any[]) {
      const [options = {}, ...rest] = args as [{ log?: Logger } | undefined, ...unknown[]];
      // The Server hands Probot its logger: everything Probot logs (errors carrying the event) goes through this child.
      super({ ...options, ...(options.log ? { log: excerptLog(options.log) } : {}) }, ...rest);
    }

    override async getNodeMiddleware(options: { log?: Logger; path?: string } = {}): Promise<Middleware> {
      const inner = await super.getNodeMiddleware(options);
      const path = trimSlashes(options.path ?? this.webhookPath);
      return async (req: IncomingMessage, res: ServerResponse, next?: Parameters<Middleware>[2]) => {
        if (req.method !== "POST" || pathOf(req.url) !== path) return inner(req, res, next);
        // Without the headers the middleware answers 400/415 without reading the body: let it.
        const signature = req.headers["x-hub-signature-256"];
        if (typeof signature !== "string" || !/^\s*application\/json\s*(;|$)/.test(req.headers["content-type"] ?? ""))
          return inner(req, res, next);
        const body = await readLimited(req, maxBytes);
        if (body === "too large") {
          this.log.warn(
            `webhook refused (413): body over ${maxBytes} bytes from ${req.socket.remoteAddress ?? "?"}; GitHub never sends more`,
          );
          refuse(req, res, 413, `payload over ${maxBytes} bytes; GitHub's webhooks are at most 25 MB`);
          return true;
        }
        if (!signatureMatches(secret, body, signature)) {
          this.log.warn(
            `webhook refused (400): wrong x-hub-signature-256 (delivery ${excerpt(String(req.headers["x-github-delivery"]), 64)}, ${body.length} bytes from ${req.socket.remoteAddress ?? "?"}); if GitHub's deliveries fail so, WEBHOOK_SECRET differs from the app's webhook secret`,
          );
          json(res, 400, "signature does not match event payload and secret");
          return true;
        }
        // @octokit/webhooks takes a string body as the payload instead of reading the stream again.
        (req as IncomingMessage & { body?: string }).body = body.toString("utf8");
        return inner(req, res, next);
      };
    }
  };
}

/** The body, or "too large" as soon as the declared or received size passes `limit` (nothing more is kept). */
export function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | "too large"> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve("too large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        chunks.length = 0;
        resolve("too large");
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/**
 * GitHub's `sha256=<hex HMAC of the body>`, compared in constant time. Our own, not
 * @octokit/webhooks-methods' verify(): that takes the payload as a string, and a forged body should
 * never be decoded (a 25 MB body would cost 50 MB more as a JavaScript string).
 */
export function signatureMatches(secret: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A child logger whose errors and events are excerpts: no payload reaches the log whole. */
export function excerptLog(log: Logger): Logger {
  return log.child({}, { serializers: { err: excerptError, error: excerptError, event: excerptEvent } });
}

export function excerpt(text: string, max = LOG_EXCERPT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

function excerptError(error: unknown): unknown {
  if (!(error instanceof Error)) return excerpt(typeof error === "string" ? error : String(JSON.stringify(error)));
  const { event, status } = error as Error & { event?: unknown; status?: unknown };
  const inner = error instanceof AggregateError ? (error.errors as unknown[]) : [];
  return {
    type: error.name,
    message: excerpt(error.message),
    ...(typeof status === "number" ? { status } : {}),
    stack: excerpt(error.stack ?? "", 2000),
    ...(event !== undefined ? { event: excerptEvent(event) } : {}),
    ...(inner.length ? { errors: inner.slice(0, 5).map(excerptError) } : {}),
  };
}

function excerptEvent(event: unknown): unknown {
  if (typeof event !== "object" || event === null) return excerpt(String(event));
  const { id, name, payload } = event as { id?: unknown; name?: unknown; payload?: unknown };
  const text = typeof payload === "string" ? payload : (JSON.stringify(payload) ?? "");
  return { id: excerpt(String(id), 64), name: excerpt(String(name), 64), payload: excerpt(text) };
}

/** Bytes of a refused upload read (and dropped) after the answer, so the client can read it first. */
const DRAIN_BYTES = 1024 * 1024;

/** Answer, then close the connection after a second or DRAIN_BYTES more of the upload, whichever comes first. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
  json(res, status, error);
  // Closing at once, with the client's bytes still arriving, resets the connection before the
  // client reads the answer (EPIPE on its side); a short, bounded drain lets it read the 413 first.
  let drained = 0;
  const cut = (): void => void req.socket.destroy();
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_BYTES) cut();
  });
  res.once("finish", () => setTimeout(cut, 1000).unref());
}

function json(res: ServerResponse, status: number, error: string): void {
  const body = JSON.stringify({ error });
  res
    .writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) })
    .end(body);
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return trimSlashes(new URL(url ?? "/", "http://localhost").pathname);
  } catch {
    return undefined;
  }
}

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, "") || "/";
}
