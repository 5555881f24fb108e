// The intake guard inside Probot's own Server: a signed delivery whose handler throws is logged as
// an excerpt (Probot attaches the whole payload to the error, and logs it twice), and a wrong
// signature is refused before Probot reads anything.
import { generateKeyPairSync } from "node:crypto";
import { Writable } from "node:stream";
import { sign } from "@octokit/webhooks-methods";
import { pino } from "pino";
import { Probot, Server } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../test/processes.js";
import { WEBHOOK_MAX_BYTES, excerpt, withWebhookIntake } from "./webhook-intake.js";

const SECRET = "intake-secret";
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** Probot's Server on loopback, guarded, logging into `lines`; its one handler throws on `issues`. */
async function guardedServer(lines: string[]): Promise<string> {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = pino({ level: "debug" }, sink);
  const port = await freePort();
  const server = new Server({
    host: "127.0.0.1",
    port,
    log,
    Probot: withWebhookIntake(Probot.defaults({ appId: 1, privateKey, secret: SECRET }), { secret: SECRET }),
  });
  await server.load((app) => {
    app.on("issues", () => {
      throw new Error("the handler failed");
    });
  });
  await server.start();
  stops.push(() => server.stop());
  return `http://127.0.0.1:${port}/api/github/webhooks`;
}

const post = (url: string, body: string, signature: string) =>
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": signature,
    },
    body,
  });

describe("webhook intake", () => {
  it("logs a failing signed delivery's payload as an excerpt, not whole", async () => {
    const lines: string[] = [];
    const url = await guardedServer(lines);
    const body = JSON.stringify({ action: "opened", filler: "x".repeat(2 * 1024 * 1024) });
    expect((await post(url, body, await sign(SECRET, body))).status).toBe(500);
    const logged = lines.join("");
    expect(logged).toContain("the handler failed");
    expect(logged).toContain("xxxx… ("); // the excerpt and the payload's size
    expect(logged.length).toBeLessThan(20 * 1024); // unguarded: over 4 MB (the payload twice)
  });

  it("refuses a wrong signature with one short line, and a declared oversized body at once", async () => {
    const lines: string[] = [];
    const url = await guardedServer(lines);
    const body = JSON.stringify({ action: "opened", filler: "y".repeat(1024 * 1024) });
    const wrong = await post(url, body, await sign("not-the-secret", body));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: "signature does not match event payload and secret" });
    const refusals = lines.filter((line) => line.includes("webhook refused"));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain("WEBHOOK_SECRET differs");
    expect(lines.join("")).not.toContain("yyyy");
    expect(lines.join("").length).toBeLessThan(2048);
  });

  it("cuts long strings to an excerpt that says how long they were", () => {
    expect(excerpt("short")).toBe("short");
    expect(excerpt("z".repeat(WEBHOOK_MAX_BYTES / 1024), 10)).toBe(`${"z".repeat(10)}… (25600 characters)`);
  });
});
