// Sandbox benchmark: median wall time of one DockerSandbox test run against a raw `docker run` of
// the same image and command (same mount, same pytest call), as a ratio. Goal: ≤ 1.2×.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_SANDBOX_IMAGE } from "../shared/config.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";

const run = promisify(execFile);

const MODULE =
  "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n\ndef test_fib():\n    assert [fib(i) for i in range(8)] == [0, 1, 1, 2, 3, 5, 8, 13]\n";

export interface SandboxReport {
  runs: number;
  sandboxMedianSeconds: number;
  rawDockerMedianSeconds: number;
  ratio: number;
}

export async function benchSandbox(
  options: { runs?: number; image?: string; log?: (line: string) => void } = {},
): Promise<SandboxReport> {
  const runs = options.runs ?? 15;
  const image = options.image ?? process.env.DELLM_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE;
  const log = options.log ?? console.log;
  const sandbox = new DockerSandbox({ image });
  await sandbox.check();
  const dir = await mkdtemp(join(tmpdir(), "dellm-bench-sandbox-"));
  await chmod(dir, 0o755);
  await writeFile(join(dir, "fib.py"), MODULE, { mode: 0o644 });
  const raw = [
    "run",
    "--rm",
    "--network",
    "none",
    "-v",
    `${dir}:/code:ro`,
    "-w",
    "/code",
    image,
    "python",
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "fib.py",
  ];
  const sandboxTimes: number[] = [];
  const rawTimes: number[] = [];
  try {
    for (let i = 0; i < runs + 1; i++) {
      // Interleaved, so drift on the machine hits both alike; the first pair warms caches up.
      let started = performance.now();
      const result = await sandbox.run({ files: [{ path: "fib.py", content: MODULE }], testTargets: ["fib.py"] });
      if (!result.success) throw new Error(`the sandbox run failed: ${result.failure_reason}`);
      const sandboxSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      await run("docker", raw);
      const rawSeconds = (performance.now() - started) / 1000;
      if (i > 0) {
        sandboxTimes.push(sandboxSeconds);
        rawTimes.push(rawSeconds);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const report = {
    runs,
    sandboxMedianSeconds: median(sandboxTimes),
    rawDockerMedianSeconds: median(rawTimes),
    ratio: median(sandboxTimes) / median(rawTimes),
  };
  log(
    `[bench] sandbox: DockerSandbox ${report.sandboxMedianSeconds.toFixed(3)} s vs raw docker run ${report.rawDockerMedianSeconds.toFixed(3)} s (median of ${runs}) → ${report.ratio.toFixed(2)}× (goal ≤ 1.2×)`,
  );
  return report;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
