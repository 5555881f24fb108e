// Forged webhook deliveries for the flood test and bench: a body of any size, sent 1 MB at a time
// with a wrong signature, declared (Content-Length) or chunked, and the server's memory as it goes.
import { readFileSync } from "node:fs";
import { request } from "node:http";

const MB = 1024 * 1024;

/**
 * POSTs `size` bytes with a forged signature to `dellm serve` on loopback; stops sending once
 * answered. Resolves with the status ("reset": the connection closed unanswered) and the bytes sent.
 */
export function forgedDelivery(
  port: number,
  size: number,
  { chunked = false, path = "/api/github/webhooks" } = {},
): Promise<{ answer: number | "reset"; sentBytes: number }> {
  return new Promise((resolve) => {
    let answered = false;
    let sent = 0;
    const req = request({
      host: "127.0.0.1",
      port,
      path,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issues",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
        ...(chunked ? {} : { "content-length": String(size) }),
      },
    });
    req.on("response", (res) => {
      answered = true;
      const sentBytes = sent;
      res.resume();
      res.on("end", () => resolve({ answer: res.statusCode!, sentBytes }));
      res.on("error", () => resolve({ answer: res.statusCode!, sentBytes }));
    });
    const unanswered = () => {
      if (!answered) resolve({ answer: "reset", sentBytes: sent });
    };
    req.on("error", unanswered);
    req.on("close", unanswered);
    const chunk = Buffer.alloc(MB, "a");
    const pump = (): void => {
      while (sent < size && !answered && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

/** Resident memory of a process now (kB), from /proc. */
export function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
}
