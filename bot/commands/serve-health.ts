// `dellm serve`'s GET /health, for a hosting platform's liveness probe: the queue's counts from
// memory, nothing read from disk or asked of GitHub, so a probe every second costs nothing.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { QueueCounts } from "../github/jobs.js";

export const HEALTH_PATH = "/health";

export interface Health extends QueueCounts {
  status: "ok";
  uptime_s: number;
}

/** A Probot server handler: answers GET/HEAD /health, passes every other request on (false). */
export function healthHandler(counts: () => QueueCounts, startedAt = Date.now()) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== HEALTH_PATH) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return true;
    }
    const health: Health = { status: "ok", ...counts(), uptime_s: Math.floor((Date.now() - startedAt) / 1000) };
    const body = JSON.stringify(health);
    res
      .writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
      })
      .end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
