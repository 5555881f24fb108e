// A repository that pins its model (.github/dellm.yml `model`): its GitHub job's tasks go, through
// the real swarm distribution on loopback libp2p nodes, only to volunteers running that model, and
// each grant names it (a worker then decodes greedily with it; the answers are checked against it).
import { generateKeyPair } from "@libp2p/crypto/keys";
import { describe, expect, it } from "vitest";
import type { Task } from "../../shared/schemas.js";
import { askCoordinator, type CoordinatorResponse } from "../../shared/swarm/coordinator-protocol.js";
import { createSwarmNode, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { issueRequest, jobsFixture, jobTask, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { Planner } from "../pipeline/planner.js";
import { SwarmCoordinator } from "../swarm/coordinator.js";
import { swarmWorkers } from "../swarm/swarm-workers.js";
import { parseSettings } from "./app-settings.js";

const plan: Task[] = [jobTask(1, "core.py")];
const pinned = { sha256: "b".repeat(64), context_size: 8192 };
const other = { sha256: "a".repeat(64), context_size: 8192 };

const fixture = jobsFixture({ prefix: "dellm-model-pin-", files: { "README.md": "# demo\n" } });

describe("a GitHub job of a repository that pins its model", () => {
  it("is granted only to volunteers running that model, and the grant names it", async () => {
    const botKey = await generateKeyPair("Ed25519");
    const bot = await createSwarmNode({ privateKey: botKey });
    const coordinator = await SwarmCoordinator.start({ node: bot, privateKey: botKey });
    const volunteer = () => createSwarmNode({ privateKey: undefined, bootstrap: [bot.getMultiaddrs()[0]!.toString()] });
    const [runsOther, runsPinned] = await Promise.all([volunteer(), volunteer()]);
    captureComments();
    pullRequestApi();
    const model = new ScriptedCodeModel([{ kind: "decompose", reply: [JSON.stringify(plan)] }]);
    const jobs = fixture.githubJobs({
      planner: async () => new Planner(model, { retries: 1 }),
      distribution: swarmWorkers(coordinator),
    });
    const answers = new Map<SwarmNode, CoordinatorResponse[]>([
      [runsOther, []],
      [runsPinned, []],
    ]);
    let polling = true;
    const poll = async (node: SwarmNode, runs: typeof pinned) => {
      while (polling) {
        const answer = await askCoordinator(node, bot.peerId, {
          type: "claim",
          worker_id: node.peerId.toString(),
          wait_ms: 300,
          model: runs,
        });
        answers.get(node)!.push(answer);
        // Hand a grant back, so the job ends at its deadline without a result.
        if (answer.type === "granted")
          await askCoordinator(node, bot.peerId, {
            type: "release",
            job_id: answer.job_id,
            task_id: answer.task_id,
            lease_id: answer.lease_id,
          });
      }
    };
    const polls = Promise.all([poll(runsOther, other), poll(runsPinned, pinned)]);
    try {
      // Parsed as the file would be; the deadline shortened past the file's minimum, as in the private-job test.
      const settings = { ...parseSettings({ model: `${pinned.sha256}:8192` }), task_timeout_seconds: 3 };
      const ended = await settled(await jobs.start(issueRequest({ settings })), jobs);
      expect(ended.stage).toBe("failed");
      const granted = answers.get(runsPinned)!.filter((a) => a.type === "granted");
      expect(granted.length).toBeGreaterThan(0);
      for (const grant of granted) expect(grant).toMatchObject({ model: { ...pinned, temperature: 0 } });
      expect(answers.get(runsOther)!.length).toBeGreaterThan(2);
      expect(answers.get(runsOther)!.every((a) => a.type === "none")).toBe(true);
    } finally {
      polling = false;
      await polls;
      await coordinator.stop();
      await Promise.all([bot.stop(), runsOther.stop(), runsPinned.stop()]);
    }
  }, 30_000);
});
