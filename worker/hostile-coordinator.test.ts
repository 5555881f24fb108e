// Issue 7 of the outside probe: a malicious coordinator against a volunteer. A real libp2p node on
// loopback speaks the coordinator and snapshot protocols with doctored grants and manifests; the
// worker is the real SwarmTaskBoard. It refuses a manifest over its size cap before allocating
// anything, a test timeout over its cap, and paths outside the repository (setup binaries, a
// grant's files), each with the cap or the rule named, and never fetches again a snapshot that
// failed its checks.
import { generateKeyPair } from "@libp2p/crypto/keys";
import type { PeerId } from "@libp2p/interface";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { newJobId, type Task } from "../shared/schemas.js";
import { repositoryOf, type RepositoryView } from "../shared/sandbox/task-run.js";
import {
  manifestOf,
  packSnapshot,
  sha256,
  snapshotIdOf,
  type PackedSnapshot,
  type SnapshotManifest,
} from "../shared/snapshot-manifest.js";
import { serveCoordinator, type CoordinatorResponse } from "../shared/swarm/coordinator-protocol.js";
import { serveSnapshots } from "../shared/swarm/snapshot-protocol.js";
import { createSwarmNode, type SwarmNode } from "../shared/swarm/swarm-node.js";
import { taskFixture } from "../test/fixtures.js";
import { SwarmTaskBoard, type SwarmBoardEvent } from "./swarm-task-board.js";

type Grant = Extract<CoordinatorResponse, { type: "granted" }>;

/** The hostile coordinator: grants what the test queues, serves what it stocks, counts what is asked. */
const grants: Grant[] = [];
const stock = new Map<string, { manifest: SnapshotManifest; chunks: Uint8Array[] }>();
const asked = { manifests: 0, chunks: 0, releases: 0 };
let evil: SwarmNode;
let worker: SwarmNode;
const workerKey = await generateKeyPair("Ed25519");

beforeAll(async () => {
  const key = await generateKeyPair("Ed25519");
  evil = await createSwarmNode({ privateKey: key });
  await serveCoordinator(evil, {
    answer: async (request) => {
      if (request.type === "claim") return grants.shift() ?? { type: "none" };
      if (request.type === "release") asked.releases++;
      return request.type === "renew" ? { type: "renewed", expires_at: Date.now() + 60_000 } : { type: "released" };
    },
    undelivered: () => {},
  });
  await serveSnapshots(evil, {
    manifest: (id: string) => {
      asked.manifests++;
      const held = stock.get(id);
      if (!held) throw new Error("unknown");
      return held.manifest;
    },
    chunk: (id: string, index: number, _peer: PeerId) => {
      asked.chunks++;
      const chunk = stock.get(id)?.chunks[index];
      if (!chunk) throw new Error(`no chunk ${index} here`);
      return chunk;
    },
  });
  worker = await createSwarmNode({ privateKey: workerKey });
  await worker.dial(evil.getMultiaddrs()[0]!);
});

afterAll(async () => {
  await Promise.all([worker.stop(), evil.stop()]);
});

beforeEach(() => {
  grants.length = 0;
  Object.assign(asked, { manifests: 0, chunks: 0, releases: 0 });
});

function grant(snapshot?: string, overrides: Partial<Grant> = {}, task: Task = taskFixture(1)): Grant {
  return {
    type: "granted",
    job_id: newJobId(),
    task_id: task.id,
    lease_id: randomUUID(),
    expires_at: Date.now() + 60_000,
    user_query: "q",
    plan: [task],
    task,
    dependency_files: [],
    ...(snapshot ? { snapshot } : {}),
    ...overrides,
  };
}

/** Stock a snapshot of `view` (or of raw bytes) at the hostile coordinator; returns its id. */
function offer(view: RepositoryView | Uint8Array): string {
  const packed: Pick<PackedSnapshot, "id" | "manifest" | "chunks"> =
    view instanceof Uint8Array
      ? { id: snapshotIdOf(manifestOf(view)), manifest: manifestOf(view), chunks: [view] }
      : packSnapshot(view);
  stock.set(packed.id, packed);
  return packed.id;
}

async function join(
  events: SwarmBoardEvent[],
  options: Partial<Parameters<typeof SwarmTaskBoard.join>[0]> = {},
): Promise<SwarmTaskBoard> {
  return SwarmTaskBoard.join({
    node: worker,
    privateKey: workerKey,
    coordinator: evil.peerId.toString(),
    claimWaitMs: 0,
    onEvent: (e) => events.push(e),
    ...options,
  });
}

const failures = (events: SwarmBoardEvent[]) => events.filter((e) => e.kind === "snapshot-failed");
const repository: RepositoryView = { files: [{ path: "pkg/a.py", content: "A = 1\n" }], tests: [] };

describe("a malicious coordinator against a volunteer (issue 7)", () => {
  it("a manifest claiming 1 GiB is refused before anything is allocated or a chunk asked for, naming the cap; not fetched again", async () => {
    const chunkSize = 3 * 2 ** 20;
    const size = 2 ** 30;
    const manifest: SnapshotManifest = {
      version: 1,
      size,
      chunk_size: chunkSize,
      chunks: Array.from({ length: Math.ceil(size / chunkSize) }, (_, i) => sha256(`chunk ${i}`)),
    };
    const id = snapshotIdOf(manifest);
    stock.set(id, { manifest, chunks: [] });
    const events: SwarmBoardEvent[] = [];
    const board = await join(events);
    const first = grant(id);
    grants.push(first, grant(id, { job_id: first.job_id, task_id: 2 }), grant(id));
    const external = process.memoryUsage().arrayBuffers;
    expect(await board.claim("w")).toBeNull();
    expect(process.memoryUsage().arrayBuffers - external).toBeLessThan(64 * 2 ** 20);
    expect(asked.chunks).toBe(0);
    expect(failures(events)).toEqual([
      {
        kind: "snapshot-failed",
        jobId: first.job_id,
        taskId: 1,
        left: true,
        reason: `repository snapshot ${id.slice(0, 12)}… is 1024.0 MiB, over this worker's 256.0 MiB (raise it with dellm-worker --max-snapshot-mb)`,
      },
    ]);
    // The same job granted again, then another job naming the same snapshot: nothing asked again.
    expect(await board.claim("w")).toBeNull();
    expect(await board.claim("w")).toBeNull();
    expect(asked.manifests).toBe(1);
    expect(asked.releases).toBe(3);
    expect(failures(events)[1]).toMatchObject({
      reason: expect.stringMatching(/failed here before, not fetched again: .*1024\.0 MiB/),
    });
    await board.close();
  });

  it("a test timeout over the worker's cap is refused with the flag named; a worker that allows it takes the job", async () => {
    const id = offer({ ...repository, testTimeoutSeconds: 3_600 });
    const events: SwarmBoardEvent[] = [];
    const board = await join(events);
    const refused = grant(id);
    grants.push(refused);
    expect(await board.claim("w")).toBeNull();
    expect(failures(events)).toEqual([
      {
        kind: "snapshot-failed",
        jobId: refused.job_id,
        taskId: 1,
        left: true,
        reason: `repository snapshot ${id.slice(0, 12)}… asks for test runs of up to 3600 s, over this worker's 300 s (raise it with dellm-worker --max-test-timeout)`,
      },
    ]);
    await board.close();

    const patient = await join([], { maxTestTimeoutSeconds: 3_600 });
    grants.push(grant(id));
    const item = await patient.claim("w");
    expect(repositoryOf(item!)?.testTimeoutSeconds).toBe(3_600);
    await patient.close();
  });

  it.each([
    ["../../../etc/x", /refusing path "\.\.\/\.\.\/\.\.\/etc\/x": "\.\." would leave the repository/],
    ["/etc/x", /refusing path "\/etc\/x": absolute paths are not allowed/],
  ])("setup binaries at %s are refused before any setup runs", async (path, reason) => {
    const id = offer({
      ...repository,
      setup: {
        commands: ["pip install --no-index --find-links wheels x"],
        network: false,
        binaries: [{ path, base64: "eA==" }],
      },
    });
    const events: SwarmBoardEvent[] = [];
    const prepared: RepositoryView[] = [];
    const board = await join(events, {
      prepareRepository: async (view) => {
        prepared.push(view);
        return view;
      },
    });
    grants.push(grant(id));
    expect(await board.claim("w")).toBeNull();
    expect(prepared).toEqual([]);
    expect(failures(events)).toHaveLength(1);
    expect(failures(events)[0]).toMatchObject({ left: true });
    const failure = failures(events)[0] as { reason: string };
    expect(failure.reason).toMatch(/names a path outside the repository at setup\.binaries\.0\.path/);
    expect(failure.reason).toMatch(reason);
    await board.close();
  });

  it("a snapshot whose bytes hash right but are not a repository is not fetched again, for its job or another", async () => {
    const id = offer(new TextEncoder().encode(JSON.stringify({ files: 5 })));
    const events: SwarmBoardEvent[] = [];
    const board = await join(events);
    const first = grant(id);
    grants.push(first, grant(id, { job_id: first.job_id, task_id: 2 }), grant(id));
    expect(await board.claim("w")).toBeNull();
    expect(failures(events)[0]).toMatchObject({
      left: true,
      reason: expect.stringMatching(/the repository snapshot is invalid/),
    });
    expect(await board.claim("w")).toBeNull(); // the same job: handed back at once
    expect(await board.claim("w")).toBeNull(); // another job, the same snapshot: refused from memory
    expect(asked).toEqual({ manifests: 1, chunks: 1, releases: 3 });
    await board.close();
  });

  it("a grant whose files lie outside the repository is handed back and its job left", async () => {
    const events: SwarmBoardEvent[] = [];
    const board = await join(events);
    const outside = grant(undefined, { dependency_files: [{ path: "../../home/user/.bashrc", content: "x" }] });
    grants.push(outside, grant(undefined, { job_id: outside.job_id, task_id: 2 }));
    expect(await board.claim("w")).toBeNull();
    expect(events.filter((e) => e.kind === "grant-refused")).toEqual([
      {
        kind: "grant-refused",
        jobId: outside.job_id,
        taskId: 1,
        reason: expect.stringMatching(
          /^the grant's dependency file 0 is refused: refusing path .*"\.\." would leave the repository/,
        ),
      },
    ]);
    expect(await board.claim("w")).toBeNull();
    expect(asked.releases).toBe(2);
    // An honest grant still goes through.
    grants.push(grant(undefined, { dependency_files: [{ path: "pkg/dep.py", content: "x = 1\n" }] }));
    expect(await board.claim("w")).toMatchObject({ dependencyFiles: [{ path: "pkg/dep.py" }] });
    await board.close();
  });

  it("a grant naming another model than the one this worker runs is handed back and its job left (issue 22)", async () => {
    const events: SwarmBoardEvent[] = [];
    const board = await join(events);
    board.runsModel({ sha256: "a".repeat(64), contextSize: 8192 });
    const other = grant(undefined, { model: { sha256: "b".repeat(64), context_size: 8192, temperature: 0 } });
    grants.push(other);
    const releases = asked.releases;
    expect(await board.claim("w")).toBeNull();
    expect(events).toContainEqual({
      kind: "grant-refused",
      jobId: other.job_id,
      taskId: 1,
      reason: `the job names the model with sha256 ${"b".repeat(64)} and a 8192-token context, which this worker does not run`,
    });
    expect(asked.releases).toBe(releases + 1);
    // The same model with the same context: taken.
    grants.push(grant(undefined, { model: { sha256: "a".repeat(64), context_size: 8192, temperature: 0 } }));
    expect(await board.claim("w")).not.toBeNull();
    await board.close();
  });
});
