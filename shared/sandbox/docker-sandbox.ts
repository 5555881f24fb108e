// The Sandbox on Docker (dockerode): one throw-away, locked-down container per test run, with the
// seed's flags (no network, no capabilities, non-root, 512 MB, 1 CPU, read-only code, 30 s kill)
// plus a pids limit, a read-only root and a small tmpfs for pytest's scratch files.
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import Docker from "dockerode";
import { DEFAULT_SANDBOX_IMAGE } from "../config.js";
import { repoRelativePath } from "../repo-path.js";
import type { TestResult } from "../schemas.js";
import { describePytestExit, failedCount, parsePytestSummary } from "./pytest-report.js";
import type { Sandbox, SandboxRun } from "./sandbox.js";

export interface DockerSandboxOptions {
  image?: string;
  /** Seconds before the container is killed (seed: 30). */
  timeoutSeconds?: number;
  memoryBytes?: number;
  cpus?: number;
  pidsLimit?: number;
  /** Characters of stdout and of stderr kept (head and tail); the rest is cut in the middle. */
  outputLimitChars?: number;
  docker?: Docker;
}

export const SANDBOX_LABEL = "dellm.sandbox";
const SYNTAX_ERROR_EXIT = 98;
const KILLED_EXIT = 137;

// Runs inside the container: compile every file first (a syntax error is reported as such, not as
// a pytest collection error), then pytest in-process on the targets only.
const RUNNER = `
import json, sys
spec = json.loads(sys.argv[1])
bad = []
for path in spec["check"]:
    try:
        with open(path, "rb") as handle:
            compile(handle.read(), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        bad.append(f"{path}" + (f", line {line}" if line else "") + f": {type(error).__name__}: {getattr(error, 'msg', error)}")
if bad:
    print("Python syntax check failed:\\n" + "\\n".join(bad), file=sys.stderr)
    sys.exit(${SYNTAX_ERROR_EXIT})
import pytest
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *spec["test"]]))
`;

export class DockerSandbox implements Sandbox {
  readonly image: string;
  private readonly docker: Docker;
  private readonly timeoutSeconds: number;
  private readonly memoryBytes: number;
  private readonly cpus: number;
  private readonly pidsLimit: number;
  private readonly outputLimitChars: number;

  constructor(options: DockerSandboxOptions = {}) {
    this.image = options.image ?? DEFAULT_SANDBOX_IMAGE;
    this.docker = options.docker ?? new Docker();
    this.timeoutSeconds = options.timeoutSeconds ?? 30;
    this.memoryBytes = options.memoryBytes ?? 512 * 1024 * 1024;
    this.cpus = options.cpus ?? 1;
    this.pidsLimit = options.pidsLimit ?? 64;
    this.outputLimitChars = options.outputLimitChars ?? 32_000;
  }

  /** Fails with the command that fixes it when the daemon or the image is missing. */
  async check(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw new Error(
        `the Docker daemon does not answer (${(error as Error).message}); start it with: bash scripts/start-docker.sh`,
      );
    }
    try {
      await this.docker.getImage(this.image).inspect();
    } catch {
      throw new Error(
        `the sandbox image ${this.image} is missing; build it with: bash scripts/build-sandbox-image.sh ` +
          `(or point DELLM_SANDBOX_IMAGE / --image at an image with python and pytest)`,
      );
    }
  }

  async run(run: SandboxRun): Promise<TestResult> {
    const timeoutSeconds = run.timeoutSeconds ?? this.timeoutSeconds;
    const paths = run.files.map((file) => repoRelativePath("", file.path));
    const targets = run.testTargets.map((target) => repoRelativePath("", target));
    const codeDir = await this.writeCode(run, paths);
    try {
      const container = await this.docker.createContainer({
        Image: this.image,
        Cmd: ["python", "-c", RUNNER, JSON.stringify({ check: paths.filter((p) => p.endsWith(".py")), test: targets })],
        User: "1000:1000",
        WorkingDir: "/code",
        Env: ["PYTHONPATH=/code", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "HOME=/tmp"],
        Labels: { [SANDBOX_LABEL]: "1" },
        AttachStdout: true,
        AttachStderr: true,
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: "none",
          CapDrop: ["ALL"],
          SecurityOpt: ["no-new-privileges"],
          Memory: this.memoryBytes,
          MemorySwap: this.memoryBytes,
          NanoCpus: Math.round(this.cpus * 1e9),
          PidsLimit: this.pidsLimit,
          ReadonlyRootfs: true,
          Binds: [`${codeDir}:/code:ro`],
          Tmpfs: { "/tmp": "rw,nosuid,nodev,noexec,size=64m" },
          LogConfig: { Type: "none", Config: {} }, // output is read through attach, nothing kept on disk
        },
      });
      try {
        return await this.startAndCollect(container, timeoutSeconds);
      } finally {
        await container.remove({ force: true }).catch(() => {});
      }
    } finally {
      await rm(codeDir, { recursive: true, force: true });
    }
  }

  /** Files go to a fresh host directory, readable by the container's uid, mounted read-only. */
  private async writeCode(run: SandboxRun, paths: string[]): Promise<string> {
    const codeDir = await mkdtemp(join(tmpdir(), "dellm-sandbox-"));
    await chmod(codeDir, 0o755);
    for (const [index, path] of paths.entries()) {
      const target = join(codeDir, path);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await writeFile(target, run.files[index]!.content, { mode: 0o644 });
    }
    return codeDir;
  }

  private async startAndCollect(container: Docker.Container, timeoutSeconds: number): Promise<TestResult> {
    // Attach before start (as `docker run` does) so no output is lost and memory stays bounded.
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const stdout = new BoundedText(this.outputLimitChars);
    const stderr = new BoundedText(this.outputLimitChars);
    this.docker.modem.demuxStream(stream, stdout.sink(), stderr.sink());
    const streamEnded = new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
    // "next-exit": the default ("not-running") answers at once for a container not started yet.
    const exited = container.wait({ condition: "next-exit" }) as Promise<{ StatusCode: number }>;
    const started = performance.now();
    await container.start();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutSeconds * 1000);
    });
    await Promise.race([exited, deadline]);
    clearTimeout(timer);
    if (timedOut) await container.kill({ signal: "SIGKILL" }).catch(() => {});
    const { StatusCode: exitCode } = await exited;
    const executionTime = (performance.now() - started) / 1000;
    await Promise.race([streamEnded, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    const state = await container.inspect();
    return this.toTestResult({
      exitCode,
      stdout: stdout.text(),
      stderr: stderr.text(),
      executionTime,
      timedOut,
      timeoutSeconds,
      oomKilled: state.State.OOMKilled,
    });
  }

  private toTestResult(run: {
    exitCode: number;
    stdout: string;
    stderr: string;
    executionTime: number;
    timedOut: boolean;
    timeoutSeconds: number;
    oomKilled: boolean;
  }): TestResult {
    const summary = parsePytestSummary(run.stdout);
    const passed = summary?.passed ?? 0;
    const failed = summary ? failedCount(summary) : 0;
    const base = { stdout: run.stdout, stderr: run.stderr, tests_passed: passed, tests_failed: failed, execution_time: run.executionTime };
    const failure = (reason: string): TestResult => ({ ...base, success: false, failure_reason: reason });
    if (run.timedOut) return failure(`timed out after ${run.timeoutSeconds} s; the container was killed`);
    if (run.oomKilled) return failure(`ran out of memory (limit ${Math.round(this.memoryBytes / 2 ** 20)} MB); the container was killed`);
    if (run.exitCode === SYNTAX_ERROR_EXIT) return failure(run.stderr.trim() || "Python syntax check failed");
    if (run.exitCode === KILLED_EXIT) return failure("the container was killed (exit 137)");
    if (run.exitCode === 5 || summary?.noTestsRan || (run.exitCode === 0 && passed === 0)) {
      return failure("no tests ran: the file must contain pytest test functions (def test_...)");
    }
    if (run.exitCode !== 0 || failed > 0) return failure(`pytest: ${describePytestExit(run.exitCode)}`);
    return { ...base, success: true };
  }
}

/** Collects a stream's text, keeping the head and the tail (pytest's summary is at the end). */
class BoundedText {
  private head = "";
  private tail = "";
  private cut = 0;
  private readonly decoder = new TextDecoder();

  constructor(private readonly limit: number) {}

  sink(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.add(this.decoder.decode(chunk, { stream: true }));
        done();
      },
    });
  }

  add(text: string): void {
    const half = Math.floor(this.limit / 2);
    if (this.head.length < half) {
      const take = half - this.head.length;
      this.head += text.slice(0, take);
      text = text.slice(take);
    }
    this.tail += text;
    if (this.tail.length > half) {
      this.cut += this.tail.length - half;
      this.tail = this.tail.slice(-half);
    }
  }

  text(): string {
    return this.cut > 0 ? `${this.head}\n… [${this.cut} characters cut] …\n${this.tail}` : this.head + this.tail;
  }
}
