// A private repository's GitHub job through the real swarm distribution on loopback libp2p nodes:
// a volunteer the operator does not trust asks for work the whole time and gets none, and at the
// deadline the issue is told why (private repository, DELLM_TRUSTED_WORKERS) and how to add a worker.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { describe, expect, it } from "vitest";
import type { Task } from "../../shared/schemas.js";
import { askCoordinator, type CoordinatorResponse } from "../../shared/swarm/coordinator-protocol.js";
import { createSwarmNode } from "../../shared/swarm/swarm-node.js";
import { issueRequest, jobsFixture, jobTask, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { Planner } from "../pipeline/planner.js";
import { SwarmCoordinator } from "../swarm/coordinator.js";
import { swarmWorkers } from "../swarm/swarm-workers.js";
import { DEFAULT_SETTINGS } from "./app-settings.js";

const plan: Task[] = [jobTask(1, "core.py")];

const fixture = jobsFixture({ prefix: "dellm-private-job-", files: { "README.md": "# secret\n" } });

describe("a private repository's GitHub job", () => {
  it("is offered to no untrusted volunteer and, with no trusted worker, says why on the issue", async () => {
    const botKey = await generateKeyPair("Ed25519");
    const bot = await createSwarmNode({ privateKey: botKey });
    const coordinator = await SwarmCoordinator.start({ node: bot, privateKey: botKey, trustedPeers: [] });
    const volunteer = await createSwarmNode({
      privateKey: await generateKeyPair("Ed25519"),
      bootstrap: [bot.getMultiaddrs()[0]!.toString()],
    });
    const comments = captureComments();
    const api = pullRequestApi();
    const model = new ScriptedCodeModel([{ kind: "decompose", reply: [JSON.stringify(plan)] }]);
    const hint = `dellm-worker --coordinator ${bot.peerId}`;
    const jobs = fixture.githubJobs({
      planner: async () => new Planner(model, { retries: 1 }),
      distribution: swarmWorkers(coordinator),
      joinHint: hint,
    });
    // The volunteer long-polls for work all along, as a worker does.
    const answers: CoordinatorResponse[] = [];
    let polling = true;
    const polls = (async () => {
      while (polling)
        answers.push(
          await askCoordinator(volunteer, bot.peerId, { type: "claim", worker_id: "volunteer", wait_ms: 500 }),
        );
    })();
    try {
      const failed = await settled(
        await jobs.start(
          issueRequest({
            title: "Secret feature",
            body: "the private plan",
            settings: { ...DEFAULT_SETTINGS, task_timeout_seconds: 3 },
            private: true,
          }),
        ),
        jobs,
      );
      expect(failed).toMatchObject({ stage: "failed", failed_in: "distributing", private: true, results: [] });
      expect(answers.length).toBeGreaterThan(2);
      expect(answers.every((a) => a.type === "none")).toBe(true);
      const said = comments.bodies.at(-1)!;
      expect(said).toContain("no trusted worker sent a result for any of the 1 tasks within 3 s");
      expect(said).toContain("octo/demo is a private repository");
      expect(said).toContain("DELLM_TRUSTED_WORKERS");
      expect(said).toContain(hint);
      expect(api.created).toEqual([]);
    } finally {
      polling = false;
      await polls;
      await coordinator.stop();
      await Promise.all([bot.stop(), volunteer.stop()]);
    }
  }, 30_000);
});
