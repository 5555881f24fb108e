// Repository snapshot benchmark (issue 11), on loopback in this process: the bot's coordinator and
// 3 worker nodes (real libp2p, the snapshot protocol, each worker with its own disk cache).
// - a ~20 MB generated repository to 3 workers: seconds until all three hold it, bytes served;
// - a second job on the same commit, by fresh worker boards (empty memory, same disk caches): bytes
//   served (goal 0) and seconds;
// - one sandbox run of a task's file with the 20 MB repository laid in vs the file alone (median of
//   `runs`), as a ratio (goal ≤ 1.3×), with the sandbox's files where it lays them by default
//   (/dev/shm when it has room) and on the disk (writing 20 MB of small files costs ~0.4 s on a
//   virtual disk, ~0.06 s on tmpfs).
import { generateKeyPair } from "@libp2p/crypto/keys";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SwarmCoordinator } from "../bot/swarm/coordinator.js";
import { DEFAULT_SANDBOX_IMAGE } from "../shared/config.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { taskSandboxRun, type RepositoryView } from "../shared/sandbox/task-run.js";
import { newJobId } from "../shared/schemas.js";
import { packSnapshot } from "../shared/snapshot-manifest.js";
import { createSwarmNode, type SwarmNode } from "../shared/swarm/swarm-node.js";
import { taskFixture } from "../test/fixtures.js";
import { generatedRepository, SHOP_CART } from "../test/generated-repository.js";
import { SnapshotCache } from "../worker/snapshot-cache.js";
import { SwarmTaskBoard } from "../worker/swarm-task-board.js";

export interface SnapshotReport {
  repositoryBytes: number;
  snapshotBytes: number;
  files: number;
  chunks: number;
  packSeconds: number;
  workers: number;
  firstJob: { seconds: number; bytesServed: number; chunksServed: number };
  secondJob: { seconds: number; bytesServed: number };
  sandbox?: SandboxRatio[];
}

export async function benchSnapshot(
  options: { megabytes?: number; workers?: number; sandboxRuns?: number; log?: (line: string) => void } = {},
): Promise<SnapshotReport> {
  const log = options.log ?? console.log;
  const workerCount = options.workers ?? 3;
  const repository = generatedRepository((options.megabytes ?? 20) * 1_000_000);
  const repositoryBytes = repository.files.reduce((sum, f) => sum + Buffer.byteLength(f.content), 0);
  const started = performance.now();
  const packed = packSnapshot(repository);
  const packSeconds = (performance.now() - started) / 1000;

  const botKey = await generateKeyPair("Ed25519");
  const bot = await createSwarmNode({ privateKey: botKey });
  const coordinator = await SwarmCoordinator.start({ node: bot, privateKey: botKey, leaseSeconds: 600 });
  const address = bot.getMultiaddrs()[0]!.toString();
  const workers: { node: SwarmNode; key: Awaited<ReturnType<typeof generateKeyPair>>; cacheDir: string }[] = [];
  for (let i = 0; i < workerCount; i++) {
    const key = await generateKeyPair("Ed25519");
    workers.push({
      key,
      node: await createSwarmNode({ privateKey: key, bootstrap: [address] }),
      cacheDir: await mkdtemp(join(tmpdir(), "dellm-bench-cache-")),
    });
  }
  const joinAll = () =>
    Promise.all(
      workers.map((w) =>
        SwarmTaskBoard.join({
          node: w.node,
          privateKey: w.key,
          coordinator: bot.peerId.toString(),
          claimWaitMs: 0,
          snapshotCache: new SnapshotCache({ dir: w.cacheDir, maxBytes: 1024 * 2 ** 20 }),
        }),
      ),
    );
  const tasks = Array.from({ length: workerCount }, (_, i) => taskFixture(i + 1));
  /** Every worker claims one task of `jobId` at once; seconds until all hold their work item. */
  const claimAll = async (boards: SwarmTaskBoard[], jobId: string) => {
    const began = performance.now();
    const items = await Promise.all(boards.map((board, i) => board.claim(`w${i + 1}`)));
    const seconds = (performance.now() - began) / 1000;
    for (const item of items)
      if (item?.jobId !== jobId || !("repository" in item)) throw new Error("a worker got no repository");
    await Promise.all(items.map((item, i) => boards[i]!.release(item!.jobId, item!.task.id)));
    return seconds;
  };

  let report: SnapshotReport;
  try {
    const first = newJobId();
    coordinator.addJob(first, "bench", tasks, undefined, { repository });
    let boards = await joinAll();
    const firstSeconds = await claimAll(boards, first);
    const afterFirst = coordinator.snapshotStore.servedCounts().total;
    await Promise.all(boards.map((b) => b.close()));
    coordinator.removeJob(first);

    const second = newJobId();
    coordinator.addJob(second, "bench", tasks, undefined, { repository });
    boards = await joinAll();
    const secondSeconds = await claimAll(boards, second);
    const afterSecond = coordinator.snapshotStore.servedCounts().total;
    await Promise.all(boards.map((b) => b.close()));
    coordinator.removeJob(second);

    report = {
      repositoryBytes,
      snapshotBytes: packed.bytes.length,
      files: repository.files.length,
      chunks: packed.chunks.length,
      packSeconds,
      workers: workerCount,
      firstJob: { seconds: firstSeconds, bytesServed: afterFirst.bytes, chunksServed: afterFirst.chunks },
      secondJob: { seconds: secondSeconds, bytesServed: afterSecond.bytes - afterFirst.bytes },
    };
  } finally {
    await coordinator.stop();
    await Promise.all([bot, ...workers.map((w) => w.node)].map((node) => node.stop()));
    for (const w of workers) await rm(w.cacheDir, { recursive: true, force: true });
  }
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  log(
    `[bench] snapshot: ${mb(report.repositoryBytes)} MB repository (${report.files} files) → ${mb(report.snapshotBytes)} MB snapshot in ${report.chunks} chunks, hashed in ${report.packSeconds.toFixed(2)} s`,
  );
  log(
    `[bench] snapshot: to ${workerCount} workers in ${report.firstJob.seconds.toFixed(2)} s, ${mb(report.firstJob.bytesServed)} MB served (${report.firstJob.chunksServed} chunks); second job on the same commit: ${report.secondJob.bytesServed} bytes served, ${report.secondJob.seconds.toFixed(2)} s (disk cache)`,
  );
  const runs = options.sandboxRuns ?? 5;
  if (runs > 0) {
    // The sandbox's own choice (memory when /dev/shm has room), then the disk as before.
    const roots = [undefined, tmpdir()];
    report.sandbox = [];
    for (const root of roots) report.sandbox.push(await sandboxRatio(repository, runs, root, log));
  }
  return report;
}

interface SandboxRatio {
  /** Where the run's files were laid out (undefined: the sandbox's default). */
  tempRoot: string | undefined;
  runs: number;
  aloneMedianSeconds: number;
  inRepositoryMedianSeconds: number;
  ratio: number;
}

/** Median sandbox seconds of shop/cart.py alone vs inside the repository (interleaved; one warm-up pair). */
async function sandboxRatio(
  repository: RepositoryView,
  runs: number,
  tempRoot: string | undefined,
  log: (line: string) => void,
): Promise<SandboxRatio> {
  const sandbox = new DockerSandbox({
    image: process.env.DELLM_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE,
    ...(tempRoot ? { tempRoot } : {}),
  });
  await sandbox.check();
  const alone: number[] = [];
  const inside: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    for (const [times, view] of [
      [alone, undefined],
      [inside, repository],
    ] as const) {
      const started = performance.now();
      const run = taskSandboxRun("shop/cart.py", SHOP_CART, [], view);
      // Alone the file cannot import shop.models: give it the module, so both runs pass the same test.
      if (!view) run.files.push({ path: "shop/models.py", content: repository.files[1]!.content });
      const result = await sandbox.run(run);
      if (!result.success)
        throw new Error(`the sandbox run failed: ${result.failure_reason ?? result.stdout.slice(-2000)}`);
      if (i > 0) times.push((performance.now() - started) / 1000);
    }
  }
  const report = {
    tempRoot,
    runs,
    aloneMedianSeconds: median(alone),
    inRepositoryMedianSeconds: median(inside),
    ratio: median(inside) / median(alone),
  };
  log(
    `[bench] snapshot: sandbox run inside the repository ${report.inRepositoryMedianSeconds.toFixed(2)} s vs the file alone ${report.aloneMedianSeconds.toFixed(2)} s (median of ${runs}, files under ${tempRoot ?? "the sandbox's default: /dev/shm when it has room"}) → ${report.ratio.toFixed(2)}× (goal ≤ 1.3×)`,
  );
  return report;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
