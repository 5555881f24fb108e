// What a claim may leave out, on real libp2p nodes over loopback: a volunteer who refused setup
// (dellm-worker --no-setup) is given no task of a job whose repository has `setup` commands, and a
// worker that gave a job up (skip_jobs) gets none of its tasks again, while others still do; after a
// restart, a job tested inside its repository waits for the repository before its tasks go out.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId } from "../../shared/schemas.js";
import { askCoordinator, type CoordinatorRequestInput } from "../../shared/swarm/coordinator-protocol.js";
import { createSwarmNode, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { taskFixture } from "../../test/fixtures.js";
import { openStateDatabase, stateDatabasePath } from "../state/database.js";
import { SwarmCoordinator } from "./coordinator.js";

const botKey = await generateKeyPair("Ed25519");
let bot: SwarmNode;
let worker: SwarmNode;
let coordinator: SwarmCoordinator;

beforeAll(async () => {
  bot = await createSwarmNode({ privateKey: botKey });
  worker = await createSwarmNode({
    privateKey: await generateKeyPair("Ed25519"),
    bootstrap: [bot.getMultiaddrs()[0]!.toString()],
  });
  coordinator = await SwarmCoordinator.start({ node: bot, privateKey: botKey, leaseSeconds: 60 });
});

afterAll(async () => {
  await coordinator.stop();
  await Promise.all([bot.stop(), worker.stop()]);
});

const claim = (options: Partial<Extract<CoordinatorRequestInput, { type: "claim" }>> = {}) =>
  askCoordinator(worker, bot.peerId, { type: "claim", worker_id: "w1", ...options });

const repository = (setup?: string[], network = false) => ({
  files: [{ path: "shop/models.py", content: "class Item:\n    pass\n" }],
  tests: [],
  ...(setup ? { setup: { commands: setup, network } } : {}),
});

describe("claim filters", () => {
  it("gives a --no-setup worker no task of a job with setup, and a worker that runs setup the task", async () => {
    const jobId = newJobId();
    coordinator.addJob(jobId, "needs a package", [taskFixture(1)], undefined, {
      repository: repository(["pip install --no-index ./vendor/tinypkg"]),
    });
    expect(await claim({ setup: false })).toEqual({ type: "none" });
    const granted = await claim({ setup: true });
    expect(granted).toMatchObject({ type: "granted", job_id: jobId, task_id: 1, snapshot: expect.any(String) });
    coordinator.removeJob(jobId);
  });

  it("gives a job whose setup needs the network only to a worker that lends it (--setup-network)", async () => {
    const jobId = newJobId();
    coordinator.addJob(jobId, "pip install from PyPI", [taskFixture(1)], undefined, {
      repository: repository(["pip install -r requirements.txt"], true),
    });
    expect(await claim({ setup: true })).toEqual({ type: "none" });
    expect(await claim({ setup: false, setup_network: true })).toEqual({ type: "none" });
    expect(await claim({ setup: true, setup_network: true })).toMatchObject({ type: "granted", job_id: jobId });
    coordinator.removeJob(jobId);
  });

  it("still gives a --no-setup worker the tasks of jobs without setup", async () => {
    const jobId = newJobId();
    coordinator.addJob(jobId, "plain", [taskFixture(1)], undefined, { repository: repository() });
    expect(await claim({ setup: false })).toMatchObject({ type: "granted", job_id: jobId });
    coordinator.removeJob(jobId);
  });

  it("grants nothing of a job the worker gave up, and the next job's task instead", async () => {
    const given = newJobId();
    const other = newJobId();
    coordinator.addJob(given, "given up", [taskFixture(1)]);
    expect(await claim({ skip_jobs: [given] })).toEqual({ type: "none" });
    coordinator.addJob(other, "another", [taskFixture(1)]);
    expect(await claim({ skip_jobs: [given] })).toMatchObject({ type: "granted", job_id: other });
    expect(await claim()).toMatchObject({ type: "granted", job_id: given });
    coordinator.removeJob(given);
    coordinator.removeJob(other);
  });

  it("after a restart, grants a restored job's tasks only once its repository is back", async () => {
    const path = stateDatabasePath(await mkdtemp(join(tmpdir(), "dellm-claim-restart-")));
    const key = await generateKeyPair("Ed25519");
    const start = async () => {
      const node = await createSwarmNode({ privateKey: key, listen: ["/ip4/127.0.0.1/tcp/0"] });
      const database = await openStateDatabase(path);
      return {
        node,
        database,
        coordinator: await SwarmCoordinator.start({ node, privateKey: key, database, leaseSeconds: 60 }),
      };
    };
    const jobId = newJobId();
    const first = await start();
    first.coordinator.addJob(jobId, "in a repository", [taskFixture(1)], undefined, { repository: repository() });
    await first.coordinator.stop();
    first.database.close();
    await first.node.stop();

    const second = await start();
    const peer = await createSwarmNode({
      privateKey: await generateKeyPair("Ed25519"),
      bootstrap: [second.node.getMultiaddrs()[0]!.toString()],
    });
    try {
      const ask = () => askCoordinator(peer, second.node.peerId, { type: "claim", worker_id: "w2" });
      expect(second.coordinator.jobIds()).toContain(jobId);
      expect(await ask()).toEqual({ type: "none" });
      const id = second.coordinator.useRepository(jobId, repository(), false);
      expect(await ask()).toMatchObject({ type: "granted", job_id: jobId, snapshot: id });
    } finally {
      await second.coordinator.stop();
      second.database.close();
      await Promise.all([second.node.stop(), peer.stop()]);
    }
  });
});
