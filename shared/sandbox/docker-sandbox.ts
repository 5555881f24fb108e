// The Sandbox on Docker (dockerode): one throw-away, locked-down container per test run, with the
// seed's flags (no network, no capabilities, non-root, 512 MB, 1 CPU, read-only code, 30 s kill)
// plus a pids limit, a read-only root, a small tmpfs for pytest's scratch files and our seccomp
// profile. The verdict is the runner's keyed line (sandbox-runner.ts), never pytest's console text.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, chmod, mkdir, mkdtemp, rm, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { Writable } from "node:stream";
import Docker from "dockerode";
import { DEFAULT_SANDBOX_IMAGE } from "../config.js";
import { repoRelativePath } from "../repo-path.js";
import type { TestResult } from "../schemas.js";
import type { Sandbox, SandboxRun } from "./sandbox.js";
import { RUNNER_PATH, runnerCommand, runnerSource, VERDICT_KEY_ENV } from "./sandbox-runner.js";
import { BoundedText } from "./bounded-text.js";
import { findVerdict, toTestResult, withoutVerdictLine } from "./sandbox-verdict.js";
import { withMissingDependency } from "./missing-dependency.js";
import { SECCOMP_PROFILE } from "./seccomp-profile.js";
import { ownerLabel, selfEndingCommand } from "./leftover-containers.js";

export interface DockerSandboxOptions {
  image?: string;
  /** Seconds before the container is killed (seed: 30). */
  timeoutSeconds?: number;
  memoryBytes?: number;
  cpus?: number;
  pidsLimit?: number;
  /** Characters of stdout and of stderr kept (head and tail); the rest is cut in the middle. */
  outputLimitChars?: number;
  /**
   * Host folder under which each run's private temp folder is made. Default: /dev/shm (memory) when
   * it has room for four times the run's files, else the OS temp folder: laying a repository's
   * hundreds of files on a disk costs more than the test run itself.
   */
  tempRoot?: string;
  /** Milliseconds to wait for a killed container to be reported gone before giving up on it (default 10 000). */
  killWaitMs?: number;
  /** Extra labels on each run's container (tests find theirs by it). */
  labels?: Record<string, string>;
  docker?: Docker;
}

export const SANDBOX_LABEL = "dellm.sandbox";
/** setpriv (util-linux, in the sandbox image): uid/gid 1000, no groups, no capabilities, no-new-privs. */
const DROP_TO_SANDBOX_USER = [
  "setpriv",
  "--reuid=1000",
  "--regid=1000",
  "--clear-groups",
  "--inh-caps=-all",
  "--bounding-set=-all",
  "--no-new-privs",
  "--",
];
const KILLED_EXIT = 137;
/** Files written at once when laying the code out. */
const WRITE_BATCH = 64;
/** Raw stdout kept apart from the bounded log, where the runner's verdict line (a few kB) is found. */
const VERDICT_TAIL_CHARS = 64_000;

export class DockerSandbox implements Sandbox {
  readonly image: string;
  private readonly docker: Docker;
  private readonly timeoutSeconds: number;
  private readonly memoryBytes: number;
  private readonly cpus: number;
  private readonly pidsLimit: number;
  private readonly outputLimitChars: number;
  private readonly tempRoot: string | undefined;
  private readonly killWaitMs: number;
  private readonly labels: Record<string, string>;

  constructor(options: DockerSandboxOptions = {}) {
    this.image = options.image ?? DEFAULT_SANDBOX_IMAGE;
    this.docker = options.docker ?? new Docker();
    this.timeoutSeconds = options.timeoutSeconds ?? 30;
    this.memoryBytes = options.memoryBytes ?? 512 * 1024 * 1024;
    this.cpus = options.cpus ?? 1;
    this.pidsLimit = options.pidsLimit ?? 64;
    this.outputLimitChars = options.outputLimitChars ?? 32_000;
    this.killWaitMs = options.killWaitMs ?? 10_000;
    this.tempRoot = options.tempRoot;
    this.labels = options.labels ?? {};
  }

  /** Fails with the command that fixes it when the daemon or the image is missing. */
  async check(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw new Error(
        `the Docker daemon does not answer (${(error as Error).message}); start it with: bash scripts/start-docker.sh`,
        { cause: error },
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
    const { privateDir, codeDir, runnerFile } = await this.writeCode(run, paths);
    // Only the runner (PID 1) learns the key; a line behind it is the verdict, anything else is log.
    const verdictKey = randomBytes(24).toString("hex");
    try {
      const container = await this.docker.createContainer({
        Image: run.image ?? this.image,
        // PID 1 is `timeout` as root (uid 1000 cannot signal it): the kernel's timer ends the run
        // even when the process that started it is gone. It starts the runner as uid 1000 with no
        // capabilities at all (setpriv: empty bounding set, no-new-privs), and its own environment,
        // where the verdict key is, cannot be read by uid 1000.
        Cmd: selfEndingCommand(timeoutSeconds, [
          ...DROP_TO_SANDBOX_USER,
          ...runnerCommand({
            check: (run.checkPaths?.map((p) => repoRelativePath("", p)) ?? paths).filter((p) => p.endsWith(".py")),
            test: targets,
            ...(run.pytestArgs?.length ? { args: run.pytestArgs } : {}),
            ...(run.sourceRoots?.length ? { roots: run.sourceRoots.map((r) => repoRelativePath("", r)) } : {}),
            ...(run.repositoryConftest && !run.checkPaths?.some((p) => posix.basename(p) === "conftest.py")
              ? { conftest: true }
              : {}),
          }),
        ]),
        User: "0:0",
        WorkingDir: "/code",
        Env: [`${VERDICT_KEY_ENV}=${verdictKey}`, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "HOME=/tmp"],
        Labels: { ...this.labels, [SANDBOX_LABEL]: "1", ...ownerLabel() },
        AttachStdout: true,
        AttachStderr: true,
        NetworkDisabled: true,
        HostConfig: {
          NetworkMode: "none",
          CapDrop: ["ALL"],
          // For PID 1 alone: KILL to end uid 1000's processes at the limit, the rest for setpriv's
          // drop to uid 1000; the runner and the tests hold none of them.
          CapAdd: ["KILL", "SETUID", "SETGID", "SETPCAP"],
          SecurityOpt: ["no-new-privileges", `seccomp=${SECCOMP_PROFILE}`],
          Memory: this.memoryBytes,
          MemorySwap: this.memoryBytes,
          NanoCpus: Math.round(this.cpus * 1e9),
          PidsLimit: this.pidsLimit,
          ReadonlyRootfs: true,
          Binds: [`${codeDir}:/code:ro`, `${runnerFile}:${RUNNER_PATH}:ro`],
          Tmpfs: { "/tmp": "rw,nosuid,nodev,noexec,size=64m" },
          LogConfig: { Type: "none", Config: {} }, // output is read through attach, nothing kept on disk
        },
      });
      try {
        const result = await this.startAndCollect(container, timeoutSeconds, verdictKey);
        return run.insideRepository ? withMissingDependency(result, run.files, targets, run.sourceRoots) : result;
      } finally {
        await container.remove({ force: true }).catch(() => {});
      }
    } finally {
      await rm(privateDir, { recursive: true, force: true });
    }
  }

  /**
   * Files go to `code/` inside a fresh private (0700) host folder: other host users cannot reach
   * them; the container, which sees only the bind-mounted `code/` (and the runner file beside it), reads them as uid 1000. The
   * folder is removed here when writing fails, by run() otherwise.
   */
  private async writeCode(
    run: SandboxRun,
    paths: string[],
  ): Promise<{ privateDir: string; codeDir: string; runnerFile: string }> {
    const privateDir = await mkdtemp(
      join(
        this.tempRoot ??
          (await roomyTempRoot(run.files.reduce((sum, file) => sum + Buffer.byteLength(file.content), 0))),
        "dellm-sandbox-",
      ),
    );
    try {
      await chmod(privateDir, 0o700);
      const codeDir = join(privateDir, "code");
      await mkdir(codeDir, { mode: 0o755 });
      await chmod(codeDir, 0o755); // whatever the umask
      // A repository run lays hundreds of files: each folder is made once, then the files are
      // written a batch at a time rather than one after another (the run's main cost besides pytest).
      for (const folder of new Set(paths.map((path) => dirname(join(codeDir, path)))))
        await mkdir(folder, { recursive: true, mode: 0o755 });
      for (let start = 0; start < paths.length; start += WRITE_BATCH) {
        // Every write of the batch settles before a failure is thrown: none lands after the cleanup.
        const writes = await Promise.allSettled(
          paths
            .slice(start, start + WRITE_BATCH)
            .map((path, i) => writeFile(join(codeDir, path), run.files[start + i]!.content, { mode: 0o644 })),
        );
        const failed = writes.find((w) => w.status === "rejected");
        if (failed) throw failed.reason;
      }
      const runnerFile = join(privateDir, "runner.py");
      await writeFile(runnerFile, runnerSource(), { mode: 0o644 });
      return { privateDir, codeDir, runnerFile };
    } catch (error) {
      await rm(privateDir, { recursive: true, force: true });
      throw error;
    }
  }

  private async startAndCollect(
    container: Docker.Container,
    timeoutSeconds: number,
    verdictKey: string,
  ): Promise<TestResult> {
    // Attach before start (as `docker run` does) so no output is lost and memory stays bounded.
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const stdout = new BoundedText(this.outputLimitChars);
    const stdoutTail = new TailText(VERDICT_TAIL_CHARS);
    const stderr = new BoundedText(this.outputLimitChars);
    this.docker.modem.demuxStream(stream, teeSink(stdout, stdoutTail), stderr.sink());
    const streamEnded = new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
    // "next-exit": the default ("not-running") answers at once for a container not started yet.
    const exited = container.wait({ condition: "next-exit" }) as Promise<{ StatusCode: number }>;
    exited.catch(() => {}); // awaited below; a late rejection after a give-up must not go unhandled
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
    let exitCode = KILLED_EXIT;
    if (timedOut) {
      await container.kill({ signal: "SIGKILL" }).catch(() => {});
      // A daemon that never reports the killed container gone must not hang the worker.
      const gone = await Promise.race([
        exited,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), this.killWaitMs).unref()),
      ]);
      if (gone) exitCode = gone.StatusCode;
    } else {
      exitCode = (await exited).StatusCode;
    }
    const executionTime = (performance.now() - started) / 1000;
    await Promise.race([streamEnded, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    const state = await container.inspect();
    return toTestResult({
      exitCode,
      stdout: withoutVerdictLine(stdout.text(), verdictKey),
      stderr: stderr.text(),
      executionTime,
      timedOut,
      timeoutSeconds,
      oomKilled: state.State.OOMKilled,
      memoryLimitMb: Math.round(this.memoryBytes / 2 ** 20),
      verdict: timedOut ? undefined : findVerdict(stdoutTail.text(), verdictKey),
    });
  }
}

/** One sink feeding several collectors (the bounded log and the verdict's tail). */
function teeSink(...collectors: { add(text: string): void }[]): Writable {
  const decoder = new TextDecoder();
  return new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      const text = decoder.decode(chunk, { stream: true });
      for (const collector of collectors) collector.add(text);
      done();
    },
  });
}

/** The last `limit` characters of a stream. */
class TailText {
  private kept = "";

  constructor(private readonly limit: number) {}

  add(text: string): void {
    this.kept = (this.kept + text).slice(-this.limit);
  }

  text(): string {
    return this.kept;
  }
}

const MEMORY_FOLDER = "/dev/shm";

/** /dev/shm when it exists and has room for four times `bytes` of files, else the OS temp folder. */
export async function roomyTempRoot(bytes: number): Promise<string> {
  try {
    const { bavail, bsize } = await statfs(MEMORY_FOLDER);
    await access(MEMORY_FOLDER, constants.W_OK);
    if (bavail * bsize > 4 * bytes + 16 * 2 ** 20) return MEMORY_FOLDER;
  } catch {
    // no such folder (macOS, Windows) or not writable: the disk it is
  }
  return tmpdir();
}
