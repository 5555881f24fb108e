// The real Probot server on a loopback port, signed webhook deliveries to it, and the GitHub API
// answers tests need at the HTTP boundary (nock intercepts Octokit's requests to api.github.com).
import { generateKeyPairSync } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit, Server, type ApplicationFunction } from "probot";
import { withWebhookIntake } from "../bot/github/webhook-intake.js";
import { freePort } from "./processes.js";

export const WEBHOOK_SECRET = "test-webhook-secret";
export const API = "https://api.github.com";
/** What tests may still reach with nock on: this machine (webhook deliveries, the Docker daemon's socket). */
export const LOCAL = /^(127\.0\.0\.1|localhost)(:\d+)?$/;

export interface WebhookServer {
  /** `deliveryId`: X-GitHub-Delivery (default: a fresh one; GitHub's "Redeliver" sends the same again). */
  deliver(event: string, payload: unknown, signature?: string, deliveryId?: string): Promise<Response>;
  stop(): Promise<void>;
}

/** Probot's own Server with a fresh app key; GitHub is reachable only through nock. */
export async function startWebhookServer(app: ApplicationFunction): Promise<WebhookServer> {
  nock.disableNetConnect();
  nock.enableNetConnect(LOCAL);
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const port = await freePort(); // Probot's Server turns port 0 into 3000
  const server = new Server({
    host: "127.0.0.1",
    port,
    webhookPath: "/api/github/webhooks",
    log: pino({ level: "silent" }),
    // As `dellm serve` has it: the intake guard in front of Probot's middleware.
    Probot: withWebhookIntake(
      Probot.defaults({
        appId: 1,
        privateKey,
        secret: WEBHOOK_SECRET,
        log: pino({ level: "silent" }),
        // A function, not an object: Probot wraps this class with throttle options of its own, which
        // would replace an object's `enabled: false` and pace the handlers' comments 3 s apart.
        Octokit: ProbotOctokit.defaults((options: { throttle?: object }) => ({
          ...options,
          retry: { enabled: false },
          throttle: { ...options.throttle, enabled: false },
        })),
      }),
      { secret: WEBHOOK_SECRET },
    ),
  });
  await server.load(app);
  await server.start();
  const url = `http://127.0.0.1:${port}/api/github/webhooks`;
  return {
    async deliver(event, payload, signature, deliveryId) {
      const body = JSON.stringify(payload);
      return fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": deliveryId ?? crypto.randomUUID(),
          "x-hub-signature-256": signature ?? (await sign(WEBHOOK_SECRET, body)),
        },
        body,
      });
    },
    async stop() {
      await server.stop();
      nock.enableNetConnect();
    },
  };
}

export const repository = { name: "demo", full_name: "octo/demo", owner: { login: "octo" }, private: false };

export function labeledPayload(
  label: string,
  login = "alice",
  issue = { number: 7, title: "Add a fibonacci function", body: "In Python, with tests." },
) {
  return {
    action: "labeled",
    label: { name: label },
    issue,
    sender: { login, type: "User" },
    repository,
    installation: { id: 42 },
  };
}

export function commentPayload(body: string, login = "alice", number = 7, senderType = "User") {
  return {
    action: "created",
    comment: { id: 900, body },
    issue: { number, title: "Add a fibonacci function", body: "" },
    sender: { login, type: senderType },
    repository,
    installation: { id: 42 },
  };
}

/** An Octokit as a job gets one for an installation (token "ghs_test"), without retries or throttling. */
export function installationOctokit(): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false } });
}

/** Installation tokens for installation 42, as often as asked. */
export function installationTokens(): nock.Scope {
  return nock(API)
    .persist()
    .post("/app/installations/42/access_tokens")
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
}

export function permission(login: string, level: string): nock.Scope {
  return nock(API).get(`/repos/octo/demo/collaborators/${login}/permission`).reply(200, { permission: level });
}

/** `.github/dellm.yml` in the repository, or (null) in neither the repository nor the owner's `.github` repository. */
export function settingsFile(yaml: string | null): nock.Scope {
  const scope = nock(API);
  const path = (repo: string) =>
    new RegExp(`^/repos/octo/${repo.replace(".", "\\.")}/contents/\\.github(%2F|/)dellm\\.yml`);
  if (yaml === null) {
    scope.get(path("demo")).reply(404, { message: "Not Found" });
    scope.get(path(".github")).reply(404, { message: "Not Found" });
  } else {
    scope.get(path("demo")).reply(200, yaml, { "content-type": "text/plain; charset=utf-8" });
  }
  return scope;
}

/** The bodies of the comments posted on an issue, as GitHub receives them. */
export function captureComments(number = 7, startId = 1000): { scope: nock.Scope; bodies: string[] } {
  const bodies: string[] = [];
  let id = startId;
  const scope = received(
    nock(API)
      .persist()
      .post(`/repos/octo/demo/issues/${number}/comments`)
      .reply(201, () => ({ id: id++ })),
    (body: { body: string }) => bodies.push(body.body),
  );
  return { scope, bodies };
}

/** A check run as GitHub holds it: its create body with each update applied over it. */
export type CheckRunState = Record<string, unknown> & { id: number };
/** One check-run call: a create (POST; `id` is the one GitHub gave, 0 when refused) or an update (PATCH) of run `id`. */
export interface CheckRunCall {
  method: "POST" | "PATCH";
  id: number;
  body: Record<string, unknown>;
}

/**
 * The pull request, check run and comment-edit calls a job makes, captured as GitHub would receive
 * them. `refuseCheckRuns`: GitHub answers check runs 403, as for an installation without Checks: write.
 */
type PullState = { state: "open" | "closed"; merged: boolean };

export function pullRequestApi(
  options: {
    openPulls?: unknown[];
    refuseCheckRuns?: boolean;
    /** What GET pulls/12 answers of the PR the bot opened, or a function asked each time (default: open, not merged). */
    pull?: PullState | (() => PullState);
  } = {},
) {
  const created: Record<string, unknown>[] = [];
  const updated: Record<string, unknown>[] = [];
  /** Each check run, in the order created, as it stands now. */
  const checkRuns: CheckRunState[] = [];
  const checkRunCalls: CheckRunCall[] = [];
  const edits: string[] = [];
  let nextRun = 5;
  const refused = { message: "Resource not accessible by integration" };
  nock(API)
    .persist()
    .get("/repos/octo/demo/pulls")
    .query((query) => query.state === "open" && String(query.head).startsWith("octo:dellm/issue-"))
    .reply(200, options.openPulls ?? []);
  received(
    nock(API)
      .persist()
      .post("/repos/octo/demo/pulls")
      .reply(201, { number: 12, html_url: "https://github.com/octo/demo/pull/12" }),
    (body) => created.push(body),
  );
  received(nock(API).persist().patch("/repos/octo/demo/pulls/12").reply(200, { number: 12 }), (body) =>
    updated.push(body),
  );
  nock(API)
    .persist()
    .get("/repos/octo/demo/pulls/12")
    .reply(() => [
      200,
      {
        number: 12,
        state: "open",
        merged: false,
        ...(typeof options.pull === "function" ? options.pull() : options.pull),
      },
    ]);
  // Recorded in the reply (nock 15 hands it the request, once), where the id GitHub gives is known.
  nock(API)
    .persist()
    .post("/repos/octo/demo/check-runs")
    .reply(async (request: Request) => {
      const body = (await request.json()) as Record<string, unknown>;
      if (options.refuseCheckRuns) {
        checkRunCalls.push({ method: "POST", id: 0, body });
        return [403, refused];
      }
      const id = nextRun++;
      checkRunCalls.push({ method: "POST", id, body });
      checkRuns.push({ ...body, id });
      return [201, { id }];
    });
  nock(API)
    .persist()
    .patch(/^\/repos\/octo\/demo\/check-runs\/\d+$/)
    .reply(async (request: Request) => {
      const id = Number(new URL(request.url).pathname.split("/").at(-1));
      const body = (await request.json()) as Record<string, unknown>;
      checkRunCalls.push({ method: "PATCH", id, body });
      if (options.refuseCheckRuns) return [403, refused];
      const run = checkRuns.find((r) => r.id === id);
      if (!run) return [404, { message: "Not Found" }];
      Object.assign(run, body);
      return [200, { id }];
    });
  received(
    nock(API)
      .persist()
      .patch(/\/repos\/octo\/demo\/issues\/comments\/\d+/)
      .reply(200, {}),
    (body: { body: string }) => edits.push(body.body),
  );
  return { created, updated, checkRuns, checkRunCalls, edits };
}

/** Each JSON body the scope answered, once per request (nock may run body matchers more than once). */
function received<T = Record<string, unknown>>(scope: nock.Scope, record: (body: T) => unknown): nock.Scope {
  scope.on("request", (_request: unknown, _interceptor: unknown, body: string) => record(JSON.parse(body) as T));
  return scope;
}
