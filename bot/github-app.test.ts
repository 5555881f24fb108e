// The GitHub App's webhook edge through the real Probot server over HTTP: signed and wrongly
// signed deliveries, the permission look-up and the comment, asserted at the GitHub API boundary
// (nock intercepts Octokit's requests to api.github.com).
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit, Server } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dellmApp, type IssueRef, type JobStarter } from "./github-app.js";

const secret = "test-webhook-secret";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const started: IssueRef[] = [];
const jobs: JobStarter = {
  async start(issue) {
    started.push(issue);
    return { started: true, jobId: "job-test-123456" };
  },
};

let server: Server;
let url: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  const port = await freePort(); // Probot's Server turns port 0 into 3000
  server = new Server({
    host: "127.0.0.1",
    port,
    webhookPath: "/api/github/webhooks",
    log: pino({ level: "silent" }),
    Probot: Probot.defaults({
      appId: 1,
      privateKey,
      secret,
      Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    }),
  });
  await server.load(dellmApp(jobs));
  await server.start();
  url = `http://127.0.0.1:${port}/api/github/webhooks`;
});

afterAll(async () => {
  await server.stop();
  nock.enableNetConnect();
});

afterEach(() => {
  started.length = 0;
  nock.cleanAll();
});

function labeled(label: string, login = "alice") {
  return {
    action: "labeled",
    label: { name: label },
    issue: { number: 7, title: "Add a fibonacci function", body: "In Python, with tests." },
    sender: { login, type: "User" },
    repository: { name: "demo", full_name: "octo/demo", owner: { login: "octo" } },
    installation: { id: 42 },
  };
}

async function deliver(event: string, payload: unknown, signature?: string): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": signature ?? (await sign(secret, body)),
    },
    body,
  });
}

const token = () => nock("https://api.github.com").post("/app/installations/42/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });

/** The comment the app posts on issue 7, captured as GitHub would receive it. */
function expectComment() {
  let posted = "";
  const scope = nock("https://api.github.com")
    .post("/repos/octo/demo/issues/7/comments", (body: { body: string }) => {
      posted = body.body;
      return true;
    })
    .reply(201, { id: 1 });
  return { scope, body: () => posted };
}

describe("GitHub App webhooks", () => {
  it("acknowledges a `dellm` label from a writer with a comment naming the job, and starts it", async () => {
    token();
    const permission = nock("https://api.github.com").get("/repos/octo/demo/collaborators/alice/permission").reply(200, { permission: "write" });
    const comment = expectComment();

    const response = await deliver("issues", labeled("dellm"));
    expect(response.status).toBe(200);
    expect(permission.isDone() && comment.scope.isDone()).toBe(true);
    expect(comment.body()).toContain("job `job-test-123456`");
    expect(started).toEqual([{ owner: "octo", repo: "demo", issueNumber: 7, title: "Add a fibonacci function", body: "In Python, with tests.", requestedBy: "alice" }]);
  });

  it("refuses the label from someone without write access, with a reply and no job", async () => {
    token();
    nock("https://api.github.com").get("/repos/octo/demo/collaborators/mallory/permission").reply(200, { permission: "read" });
    const comment = expectComment();
    expect((await deliver("issues", labeled("dellm", "mallory"))).status).toBe(200);
    expect(comment.scope.isDone()).toBe(true);
    expect(comment.body()).toMatch(/only people with write access/);
    expect(started).toEqual([]);
  });

  it("ignores other labels without calling GitHub", async () => {
    expect((await deliver("issues", labeled("bug"))).status).toBe(200);
    expect(started).toEqual([]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("refuses a wrongly signed delivery before any handler runs", async () => {
    const response = await deliver("issues", labeled("dellm"), await sign("not-the-secret", JSON.stringify(labeled("dellm"))));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/signature does not match/);
    expect(started).toEqual([]);
  });
});
