// The GitHub App's webhook edge through the real Probot server over HTTP: signed and wrongly
// signed deliveries, settings, the permission look-up and the replies, asserted at the GitHub API
// boundary. The jobs behind it are a recording stand-in here (the full path is in test/).
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  captureComments,
  commentPayload,
  installationTokens,
  labeledPayload,
  permission,
  repository,
  settingsFile,
  startWebhookServer,
  WEBHOOK_SECRET,
  type WebhookServer,
} from "../../test/github-webhooks.js";
import { DEFAULT_SETTINGS } from "./app-settings.js";
import { dellmApp } from "./webhooks.js";
import { DeliveryLog } from "./deliveries.js";
import { openStateDatabase } from "../state/database.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_ANSWER_CHARS } from "./job-store.js";
import type {
  AnswerRequest,
  FollowUpRequest,
  IssueRequest,
  JobStarter,
  RetryRequest,
  StartOutcome,
  StopOutcome,
  StopRequest,
} from "./jobs.js";

const starts: IssueRequest[] = [];
const retries: RetryRequest[] = [];
const stops: StopRequest[] = [];
const followUps: FollowUpRequest[] = [];
let answer: StartOutcome = { started: true, jobId: "job-test-123456" };
let stopAnswer: StopOutcome = { stopped: true, jobId: "job-test-123456" };
const jobs: JobStarter = {
  async start(request) {
    starts.push(request);
    return answer;
  },
  async retry(request) {
    retries.push(request);
    return answer;
  },
  async stopJob(request) {
    stops.push(request);
    return stopAnswer;
  },
  async followUp(request) {
    followUps.push(request);
    return answer;
  },
  openedPullRequest: async () => false,
};

let server: WebhookServer;
beforeAll(async () => {
  server = await startWebhookServer(dellmApp(jobs));
});
afterAll(() => server.stop());
afterEach(() => {
  starts.length = 0;
  retries.length = 0;
  stops.length = 0;
  followUps.length = 0;
  answer = { started: true, jobId: "job-test-123456" };
  stopAnswer = { stopped: true, jobId: "job-test-123456" };
  nock.cleanAll();
});

describe("GitHub App webhooks", () => {
  it("starts a job for a `dellm` label from a writer, with the issue and the repository's settings", async () => {
    installationTokens();
    const config = settingsFile(null);
    const check = permission("alice", "write");
    const comments = captureComments();

    const response = await server.deliver("issues", labeledPayload("dellm"));
    expect(response.status).toBe(200);
    expect(config.isDone() && check.isDone()).toBe(true);
    expect(starts).toEqual([
      {
        owner: "octo",
        repo: "demo",
        installationId: 42,
        issueNumber: 7,
        title: "Add a fibonacci function",
        body: "In Python, with tests.",
        requestedBy: "alice",
        settings: DEFAULT_SETTINGS,
        private: false,
      },
    ]);
    // The job itself posts the acknowledgement with its progress; the edge says nothing more.
    expect(comments.bodies).toEqual([]);
  });

  it("refuses the label from someone without write access, with a reply and no job", async () => {
    installationTokens();
    settingsFile(null);
    permission("mallory", "read");
    const comments = captureComments();
    expect((await server.deliver("issues", labeledPayload("dellm", "mallory"))).status).toBe(200);
    expect(comments.bodies).toHaveLength(1);
    expect(comments.bodies[0]).toMatch(/only people with write access/);
    expect(starts).toEqual([]);
  });

  it("answers the label the repository chose in .github/dellm.yml, and passes its limits on", async () => {
    installationTokens();
    settingsFile("label: swarm-please\nmax_tasks: 3\nreplicas: 2\npaths: [src/]\n");
    permission("alice", "admin");
    expect((await server.deliver("issues", labeledPayload("swarm-please"))).status).toBe(200);
    expect(starts).toHaveLength(1);
    expect(starts[0]!.settings).toMatchObject({
      label: "swarm-please",
      max_tasks: 3,
      replicas: 2,
      paths: ["src/"],
      task_timeout_seconds: 120,
    });

    // ...and then the default label means nothing there.
    settingsFile("label: swarm-please\n");
    expect((await server.deliver("issues", labeledPayload("dellm"))).status).toBe(200);
    expect(starts).toHaveLength(1);
  });

  it("says what is wrong with an invalid .github/dellm.yml instead of starting", async () => {
    installationTokens();
    settingsFile("max_tasks: 500\nlabels: oops\n");
    const comments = captureComments();
    expect((await server.deliver("issues", labeledPayload("dellm"))).status).toBe(200);
    expect(starts).toEqual([]);
    expect(comments.bodies[0]).toMatch(/dellm\.yml is invalid/);
    expect(comments.bodies[0]).toMatch(/max_tasks can be at most 50/);
    expect(comments.bodies[0]).toMatch(/labels/);
  });

  it("ignores other labels: reads the settings to know the label, starts nothing, says nothing", async () => {
    installationTokens();
    settingsFile(null);
    const comments = captureComments();
    expect((await server.deliver("issues", labeledPayload("bug"))).status).toBe(200);
    expect(starts).toEqual([]);
    expect(comments.bodies).toEqual([]);
  });

  it("replies when the job side refuses (one job per issue)", async () => {
    answer = { started: false, reason: "a dellm job (`job-x`) is already running for #7" };
    installationTokens();
    settingsFile(null);
    permission("alice", "write");
    const comments = captureComments();
    await server.deliver("issues", labeledPayload("dellm"));
    expect(comments.bodies).toEqual(["dellm did not start: a dellm job (`job-x`) is already running for #7"]);
  });

  it("refuses a wrongly signed delivery before any handler runs", async () => {
    const payload = labeledPayload("dellm");
    const response = await server.deliver(
      "issues",
      payload,
      await sign("not-" + WEBHOOK_SECRET, JSON.stringify(payload)),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/signature does not match/);
    expect(starts).toEqual([]);
  });

  it("`/dellm retry` from a writer asks for a retry of the issue (or pull request) it was said on", async () => {
    installationTokens();
    permission("alice", "maintain");
    settingsFile(null);
    await server.deliver("issue_comment", commentPayload("Thanks!\n/dellm retry please", "alice", 12));
    expect(retries).toEqual([
      {
        owner: "octo",
        repo: "demo",
        installationId: 42,
        number: 12,
        requestedBy: "alice",
        settings: DEFAULT_SETTINGS,
        private: false,
      },
    ]);
  });

  it("marks a private repository's job private, and ignores a payload that does not say whether it is", async () => {
    installationTokens();
    settingsFile(null);
    permission("alice", "write");
    const privateRepo = { ...labeledPayload("dellm"), repository: { ...repository, private: true } };
    await server.deliver("issues", privateRepo);
    expect(starts.map((s) => s.private)).toEqual([true]);

    const { private: _unsaid, ...unsaid } = repository;
    await server.deliver("issues", { ...labeledPayload("dellm"), repository: unsaid });
    expect(starts).toHaveLength(1);
  });

  it("refuses `/dellm retry` from someone without write access: a reply, no job", async () => {
    installationTokens();
    permission("mallory", "triage");
    const comments = captureComments();
    await server.deliver("issue_comment", commentPayload("/dellm retry", "mallory"));
    expect(retries).toEqual([]);
    expect(comments.bodies).toHaveLength(1);
    expect(comments.bodies[0]).toMatch(
      /@mallory only people with write access to this repository can run `\/dellm` commands/,
    );
  });

  it("`/dellm stop` from a writer asks the job side to stop the issue's job, and says why when nothing stops", async () => {
    installationTokens();
    permission("alice", "write");
    const comments = captureComments();
    await server.deliver("issue_comment", commentPayload("/dellm stop", "alice", 7));
    expect(stops).toEqual([{ owner: "octo", repo: "demo", number: 7, requestedBy: "alice" }]);
    // The job side reports a stop itself; the edge adds nothing.
    expect(comments.bodies).toEqual([]);

    stopAnswer = { stopped: false, reason: "no dellm job is queued or running for #7." };
    permission("alice", "write");
    await server.deliver("issue_comment", commentPayload("/dellm stop", "alice", 7));
    expect(comments.bodies).toEqual(["dellm did not stop anything: no dellm job is queued or running for #7."]);
  });

  it("refuses `/dellm stop` from someone without write access: a reply, nothing stopped", async () => {
    installationTokens();
    permission("mallory", "read");
    const comments = captureComments();
    await server.deliver("issue_comment", commentPayload("/dellm stop", "mallory"));
    expect(stops).toEqual([]);
    expect(comments.bodies[0]).toMatch(/@mallory only people with write access/);
  });

  it("answers an unknown /dellm command with the ones it knows, and ignores bots and ordinary comments", async () => {
    installationTokens();
    permission("alice", "write");
    const comments = captureComments();
    await server.deliver("issue_comment", commentPayload("/dellm deploy"));
    expect(comments.bodies[0]).toMatch(
      /does not know `\/dellm deploy`.*`\/dellm retry`.*`\/dellm stop`.*`\/dellm <what to change>`/,
    );

    await server.deliver("issue_comment", commentPayload("/dellm retry", "dellm[bot]", 7, "Bot"));
    await server.deliver("issue_comment", commentPayload("looks good, but dellm should retry"));
    expect(retries).toEqual([]);
    expect(comments.bodies).toHaveLength(1);
  });
});

describe("GitHub App webhooks: follow-up instructions", () => {
  it("`/dellm <instruction>` from a writer asks for a follow-up of the issue (or pull request), with the text", async () => {
    installationTokens();
    permission("alice", "write");
    settingsFile(null);
    await server.deliver(
      "issue_comment",
      commentPayload("Nice start.\n/dellm make the greeting configurable\nwith a default of Hello", "alice", 12),
    );
    expect(followUps).toEqual([
      {
        owner: "octo",
        repo: "demo",
        installationId: 42,
        number: 12,
        instruction: "make the greeting configurable\nwith a default of Hello",
        requestedBy: "alice",
        settings: DEFAULT_SETTINGS,
        private: false,
      },
    ]);
    expect(retries).toEqual([]);
  });

  it("refuses a reader's instruction, and one over the length limit, with one line each", async () => {
    installationTokens();
    permission("mallory", "read");
    permission("alice", "write");
    const comments = captureComments();
    await server.deliver("issue_comment", commentPayload("/dellm delete the tests please", "mallory"));
    await server.deliver("issue_comment", commentPayload(`/dellm ${"make it faster ".repeat(400)}`, "alice"));
    expect(followUps).toEqual([]);
    expect(comments.bodies[0]).toMatch(/@mallory only people with write access to this repository can run `\/dellm`/);
    expect(comments.bodies[1]).toMatch(/@alice that instruction has 5\d{3} characters; dellm takes at most 4000\./);
  });

  it("says a follow-up the job side queued as it is, not as a refusal", async () => {
    installationTokens();
    permission("alice", "write");
    settingsFile(null);
    const comments = captureComments();
    answer = {
      started: false,
      queued: true,
      reason: "@alice your follow-up is queued: it starts when dellm job `job-x` for #7 ends.",
    };
    try {
      await server.deliver("issue_comment", commentPayload("/dellm make the greeting configurable", "alice"));
    } finally {
      answer = { started: true, jobId: "job-test-123456" };
    }
    expect(comments.bodies).toEqual(["@alice your follow-up is queued: it starts when dellm job `job-x` for #7 ends."]);
  });

  it("acts on a comment once, as written: editing or deleting it afterwards starts, changes or stops nothing", async () => {
    const comments = captureComments();
    for (const action of ["edited", "deleted"])
      await server.deliver("issue_comment", {
        ...commentPayload("/dellm make the greeting configurable", "alice", 12),
        action,
        ...(action === "edited" ? { changes: { body: { from: "/dellm stop" } } } : {}),
      });
    await server.deliver("issue_comment", {
      ...commentPayload("/dellm stop", "alice", 12),
      action: "edited",
      changes: { body: { from: "/dellm make the greeting configurable" } },
    });
    expect([...followUps, ...retries, ...stops, ...starts]).toEqual([]);
    expect(comments.bodies).toEqual([]);
  });
});

describe("GitHub App webhooks, answers to the planner's questions (issue 24)", () => {
  it("routes a plain comment on a waiting issue: the author's or a writer's answers (cut to 8 kB), a stranger's is ignored", async () => {
    const answers: AnswerRequest[] = [];
    const waiting = new Set([7]);
    const asking: JobStarter = {
      ...jobs,
      waitingForAnswers: async (_owner, _repo, number) => waiting.has(number),
      async answer(request) {
        answers.push(request);
        return { started: true, jobId: "job-test-123456" };
      },
    };
    const webhooks = await startWebhookServer(dellmApp(asking));
    try {
      installationTokens();
      const comments = captureComments();
      const onIssue = (body: string, login: string, number = 7) => {
        const payload = commentPayload(body, login, number);
        return { ...payload, issue: { ...payload.issue, user: { login: "ivy" } } };
      };
      // The issue's author: no permission look-up; the untrusted body is cut before the job sees it.
      expect((await webhooks.deliver("issue_comment", onIssue("x".repeat(20_000), "ivy"))).status).toBe(200);
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({ owner: "octo", repo: "demo", number: 7, by: "ivy", commentId: 900 });
      expect(answers[0]!.body).toHaveLength(MAX_ANSWER_CHARS + 1);
      // A stranger: looked up, ignored without a word.
      const stranger = permission("mallory", "read");
      expect((await webhooks.deliver("issue_comment", onIssue("do it my way", "mallory"))).status).toBe(200);
      expect(stranger.isDone()).toBe(true);
      expect(answers).toHaveLength(1);
      // A writer who did not open the issue answers too.
      permission("bob", "maintain");
      expect((await webhooks.deliver("issue_comment", onIssue("use app/parser.py", "bob"))).status).toBe(200);
      expect(answers.map((a) => a.by)).toEqual(["ivy", "bob"]);
      // An issue whose job is not waiting: a plain comment is nobody's business (no look-up, nothing done).
      expect((await webhooks.deliver("issue_comment", onIssue("thanks", "carol", 8))).status).toBe(200);
      // A `/dellm` command keeps its meaning on a waiting issue.
      permission("ivy", "write");
      expect((await webhooks.deliver("issue_comment", onIssue("/dellm stop", "ivy"))).status).toBe(200);
      expect(stops).toHaveLength(1);
      expect(answers).toHaveLength(2);
      expect(comments.bodies).toEqual([]);
    } finally {
      await webhooks.stop();
    }
  });
});

describe("GitHub App webhooks, delivered twice", () => {
  it("handles a delivery id once, also after a restart: GitHub's Redeliver starts no second job", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-deliveries-"));
    const path = join(dir, "dellm.db");
    const started: IssueRequest[] = [];
    const recording: JobStarter = {
      async start(request) {
        started.push(request);
        return { started: true, jobId: "job-test-123456" };
      },
      async retry() {
        return { started: true, jobId: "job-test-123456" };
      },
      async followUp() {
        return { started: true, jobId: "job-test-123456" };
      },
      async stopJob() {
        return { stopped: true, jobId: "job-test-123456" };
      },
      openedPullRequest: async () => false,
    };
    const serve = async () => {
      const db = await openStateDatabase(path);
      const webhooks = await startWebhookServer(dellmApp(recording, { deliveries: new DeliveryLog(db) }));
      return { webhooks, db };
    };
    let { webhooks, db } = await serve();
    try {
      installationTokens();
      settingsFile(null);
      permission("alice", "write");
      const id = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
      expect((await webhooks.deliver("issues", labeledPayload("dellm"), undefined, id)).status).toBe(200);
      expect((await webhooks.deliver("issues", labeledPayload("dellm"), undefined, id)).status).toBe(200);
      expect(started).toHaveLength(1);
      // The bot restarts: the same delivery again is still a redelivery.
      await webhooks.stop();
      db.close();
      ({ webhooks, db } = await serve());
      expect((await webhooks.deliver("issues", labeledPayload("dellm"), undefined, id)).status).toBe(200);
      expect(started).toHaveLength(1);
      // A new delivery of the same event is a new request.
      installationTokens();
      settingsFile(null);
      permission("alice", "write");
      expect((await webhooks.deliver("issues", labeledPayload("dellm"))).status).toBe(200);
      expect(started).toHaveLength(2);
    } finally {
      await webhooks.stop();
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("acts on a redelivery of one a killed bot never finished, and ignores one sent again while it is handled", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-deliveries-"));
    const path = join(dir, "dellm.db");
    const started: IssueRequest[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The first bot's start never ends while the test holds it: as if the bot were killed there.
    const hanging: JobStarter = {
      async start(request) {
        started.push(request);
        if (started.length === 1) await held;
        return { started: true, jobId: "job-test-123456" };
      },
      retry: async () => ({ started: true, jobId: "job-test-123456" }),
      followUp: async () => ({ started: true, jobId: "job-test-123456" }),
      stopJob: async () => ({ stopped: true, jobId: "job-test-123456" }),
      openedPullRequest: async () => false,
    };
    const serve = async () => {
      const db = await openStateDatabase(path);
      return { webhooks: await startWebhookServer(dellmApp(hanging, { deliveries: new DeliveryLog(db) })), db };
    };
    const first = await serve();
    const second = await serve();
    try {
      installationTokens();
      settingsFile(null);
      permission("alice", "write");
      const id = "9a1e0c30-cc78-11e3-81ab-4c9367dc0958";
      const pending = first.webhooks.deliver("issues", labeledPayload("dellm"), undefined, id);
      await vi.waitFor(() => expect(started).toHaveLength(1));
      // Sent again while the first is handled (GitHub thinks it timed out): nothing more.
      expect((await first.webhooks.deliver("issues", labeledPayload("dellm"), undefined, id)).status).toBe(200);
      expect(started).toHaveLength(1);
      // The restarted bot (the same database) gets GitHub's redelivery: the first never finished, so it acts.
      installationTokens();
      settingsFile(null);
      permission("alice", "write");
      expect((await second.webhooks.deliver("issues", labeledPayload("dellm"), undefined, id)).status).toBe(200);
      expect(started).toHaveLength(2);
      // Handled now: once more is a redelivery for either.
      expect((await second.webhooks.deliver("issues", labeledPayload("dellm"), undefined, id)).status).toBe(200);
      expect(started).toHaveLength(2);
      release();
      expect((await pending).status).toBe(200);
    } finally {
      release();
      for (const { webhooks, db } of [first, second]) {
        await webhooks.stop();
        db.close();
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});
