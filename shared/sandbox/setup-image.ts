// A repository's environment: the `setup` commands of .github/dellm.yml (`pip install -r
// requirements.txt`, …) run once in a container of the sandbox image with the repository at /code,
// and the container is committed as a derived image, `dellm-setup:<hash>`. Tests then run in that
// image with the sandbox's usual flags (no network, read-only root, uid 1000, seccomp): only the
// setup ever has a network, and only when the repository asks for it (`setup_network: true`).
//
// The hash covers the base image's id, the commands, the network flag and the contents of the files
// the commands read. Which files those are follows one documented rule (setupInputs): every
// dependency manifest of the repository (requirements*.txt, pyproject.toml, setup.py, setup.cfg,
// Pipfile(.lock), poetry.lock, …) plus every path a command names (a folder stands for the files
// under it; `.` for the whole repository). A command that reads any other file must name it, or a
// change to that file will not rebuild the image.
//
// The setup runs as the sandbox user (uid 1000). The sandbox runs Python isolated (`python -I`: no
// user site-packages), so packages must land in the interpreter's own site-packages: before the
// commands, a fixed step of ours (as root, with only the CHOWN/SETUID/SETGID capabilities, no
// network) hands those folders and /code to uid 1000, then drops to it for good.
import { createHash } from "node:crypto";
import Docker from "dockerode";
import { DEFAULT_SANDBOX_IMAGE } from "../config.js";
import { BoundedText } from "./bounded-text.js";
import { SECCOMP_PROFILE } from "./seccomp-profile.js";

export const SETUP_LIMITS = { commands: 20, commandChars: 2_000 };
/** Label on setup containers and the images committed from them (its value is the hash). */
export const SETUP_LABEL = "dellm.setup";
export const SETUP_IMAGE_REPOSITORY = "dellm-setup";

/** A repository file as far as the hash is concerned: its path and a digest of its content (a git blob id). */
export interface SetupFile {
  path: string;
  digest: string;
}

/** The repository a setup runs in. */
export interface SetupSource {
  /** Every tracked file (the hash reads those setupInputs picks). */
  files: SetupFile[];
  /** The repository as a tar archive, unpacked at /code; read only when the image has to be built. */
  archive(): Promise<Buffer>;
}

export interface SetupRequest {
  commands: string[];
  /** The setup container gets the default bridge network (else none at all). */
  network: boolean;
  source: SetupSource;
}

export interface SetupImage {
  /** `dellm-setup:<hash>`: run tests in it (SandboxRun.image / RepositoryView.image). */
  image: string;
  /** False when the image was already there and is reused. */
  built: boolean;
  /** What the commands printed (bounded; empty when reused). */
  log: string;
}

/** The setup commands failed, timed out or could not run: the job stops and shows `log`. */
export class SetupFailedError extends Error {
  override name = "SetupFailedError";

  constructor(
    message: string,
    /** The exit status of the commands (null when they did not end by themselves). */
    readonly exitCode: number | null,
    /** The commands' output, bounded (head and tail). */
    readonly log: string,
  ) {
    super(message);
  }
}

export interface SetupImagesOptions {
  docker?: Docker;
  /** The sandbox image the derived images start from. */
  baseImage?: string;
  /** Seconds before the setup container is killed (default 600). */
  timeoutSeconds?: number;
  /** Memory limit, swap included (default 2 GiB). */
  memoryBytes?: number;
  cpus?: number;
  pidsLimit?: number;
  /** Characters of the commands' output kept (head and tail; default 20 000). */
  logLimitChars?: number;
  /** Extra labels on the setup containers and images (tests mark theirs for clean-up). */
  labels?: Record<string, string>;
  /**
   * Derived images kept on this machine (default 8): after a build, the oldest others are removed
   * (one a container still uses stays), so a volunteer's or the bot's disk does not fill up.
   */
  keepImages?: number;
}

const KILL_WAIT_MS = 10_000;

/** Derived images, each built at most once per hash (concurrent requests share one build). */
export class SetupImages {
  readonly baseImage: string;
  private readonly docker: Docker;
  private readonly building = new Map<string, Promise<SetupImage>>();
  private readonly timeoutSeconds: number;
  private readonly memoryBytes: number;
  private readonly cpus: number;
  private readonly pidsLimit: number;
  private readonly logLimitChars: number;
  private readonly labels: Record<string, string>;
  private readonly keepImages: number;
  /** When this object last handed out each image: a recently used one is the last to go. */
  private readonly lastUsed = new Map<string, number>();
  /** Setup containers this object ran (a reused image adds none). */
  builds = 0;

  constructor(options: SetupImagesOptions = {}) {
    this.docker = options.docker ?? new Docker();
    this.baseImage = options.baseImage ?? DEFAULT_SANDBOX_IMAGE;
    this.timeoutSeconds = options.timeoutSeconds ?? 600;
    this.memoryBytes = options.memoryBytes ?? 2 * 1024 ** 3;
    this.cpus = options.cpus ?? 2;
    this.pidsLimit = options.pidsLimit ?? 512;
    this.logLimitChars = options.logLimitChars ?? 20_000;
    this.labels = options.labels ?? {};
    this.keepImages = options.keepImages ?? 8;
  }

  /** The derived image for these commands and files: reused when it exists, else built (once). */
  async ensure(request: SetupRequest): Promise<SetupImage> {
    if (request.commands.length === 0) throw new Error("a setup needs at least one command");
    let base;
    try {
      base = await this.docker.getImage(this.baseImage).inspect();
    } catch (error) {
      throw new SetupFailedError(
        `the sandbox image ${this.baseImage} is missing (${(error as Error).message}); the bot's operator builds it with: bash scripts/build-sandbox-image.sh`,
        null,
        "",
      );
    }
    const hash = setupHash({ baseImageId: base.Id, ...request });
    const image = `${SETUP_IMAGE_REPOSITORY}:${hash}`;
    const pending = this.building.get(image);
    if (pending) return pending;
    const work = this.reuseOrBuild(image, hash, base, request);
    this.building.set(image, work);
    try {
      const made = await work;
      this.lastUsed.set(image, Date.now());
      if (made.built) await this.prune(image);
      return made;
    } finally {
      this.building.delete(image);
    }
  }

  private async reuseOrBuild(
    image: string,
    hash: string,
    base: Docker.ImageInspectInfo,
    request: SetupRequest,
  ): Promise<SetupImage> {
    if (await this.exists(image)) return { image, built: false, log: "" };
    const archive = await request.source.archive();
    this.builds++;
    const container = await this.docker.createContainer({
      Image: base.Id,
      Cmd: ["python", "-I", "-c", DROP_TO_SANDBOX_USER_PY, setupScript(request.commands)],
      User: "0:0",
      WorkingDir: "/code",
      Labels: { ...this.labels, [SETUP_LABEL]: hash },
      AttachStdout: true,
      AttachStderr: true,
      NetworkDisabled: !request.network,
      HostConfig: {
        NetworkMode: request.network ? "bridge" : "none",
        CapDrop: ["ALL"],
        // Only for our own first step (chown, then setuid to 1000); the commands run without any.
        CapAdd: ["CHOWN", "SETUID", "SETGID"],
        SecurityOpt: ["no-new-privileges", `seccomp=${SECCOMP_PROFILE}`],
        Memory: this.memoryBytes,
        MemorySwap: this.memoryBytes,
        NanoCpus: Math.round(this.cpus * 1e9),
        PidsLimit: this.pidsLimit,
        // Scratch space that is not committed into the image (pip's build folders, caches).
        Tmpfs: { "/tmp": "rw,nosuid,nodev,size=1g" },
        LogConfig: { Type: "none", Config: {} },
      },
    });
    try {
      await container.putArchive(archive, { path: "/code" });
      const { exitCode, timedOut, log } = await this.runToEnd(container);
      if (timedOut)
        throw new SetupFailedError(
          `setup timed out after ${this.timeoutSeconds} s; the container was killed`,
          null,
          log,
        );
      if (exitCode !== 0) throw new SetupFailedError(`setup failed with exit status ${exitCode}`, exitCode, log);
      // The container's command, user and working folder were ours: the image keeps the base's.
      const config = base.Config;
      await container.commit({
        _query: {
          container: container.id,
          repo: SETUP_IMAGE_REPOSITORY,
          tag: hash,
          comment: "dellm setup",
          changes: [
            ...(config.Cmd ? [`CMD ${JSON.stringify(config.Cmd)}`] : []),
            `USER ${config.User || "1000:1000"}`,
            `WORKDIR ${config.WorkingDir || "/code"}`,
          ],
        },
        _body: {},
      });
      return { image, built: true, log };
    } finally {
      await container.remove({ force: true }).catch(() => {});
    }
  }

  /** Removes derived images beyond `keepImages`, least recently used (or made) first; never `keep`. */
  private async prune(keep: string): Promise<void> {
    const images = await this.docker.listImages({ filters: { label: [SETUP_LABEL] } }).catch(() => []);
    const used = (info: Docker.ImageInfo) =>
      Math.max(info.Created * 1000, ...(info.RepoTags ?? []).map((tag) => this.lastUsed.get(tag) ?? 0));
    const stale = images
      .filter((info) => !(info.RepoTags ?? []).includes(keep))
      .sort((a, b) => used(b) - used(a))
      .slice(Math.max(0, this.keepImages - 1));
    // Not forced: an image a running test still uses is refused by Docker and stays.
    for (const info of stale)
      await this.docker
        .getImage(info.Id)
        .remove()
        .catch(() => {});
  }

  private async exists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch {
      return false;
    }
  }

  private async runToEnd(
    container: Docker.Container,
  ): Promise<{ exitCode: number | null; timedOut: boolean; log: string }> {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const log = new BoundedText(this.logLimitChars, 0.25);
    const sink = log.sink();
    this.docker.modem.demuxStream(stream, sink, sink);
    const streamEnded = new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
    const exited = container.wait({ condition: "next-exit" }) as Promise<{ StatusCode: number }>;
    exited.catch(() => {});
    await container.start();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.timeoutSeconds * 1000);
    });
    const ended = await Promise.race([exited, deadline]);
    clearTimeout(timer);
    if (ended === "timeout") {
      await container.kill({ signal: "SIGKILL" }).catch(() => {});
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, KILL_WAIT_MS).unref())]);
    }
    await Promise.race([streamEnded, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    return {
      exitCode: ended === "timeout" ? null : ended.StatusCode,
      timedOut: ended === "timeout",
      log: log.text(),
    };
  }
}

/** sha256 over the base image id, the commands, the network flag and the files the commands read. */
export function setupHash(input: {
  baseImageId: string;
  commands: string[];
  network: boolean;
  source: Pick<SetupSource, "files">;
}): string {
  const read = setupInputs(input.commands, input.source.files)
    .map((f) => [f.path, f.digest])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return createHash("sha256")
    .update(JSON.stringify({ base: input.baseImageId, commands: input.commands, network: input.network, files: read }))
    .digest("hex");
}

/** Dependency manifests, by file name, wherever they are in the repository. */
const MANIFEST =
  /^(requirements[\w.-]*\.(txt|in)|[\w.-]*requirements\.(txt|in)|constraints[\w.-]*\.txt|pyproject\.toml|setup\.py|setup\.cfg|Pipfile|Pipfile\.lock|poetry\.lock|pdm\.lock|uv\.lock|environment\.ya?ml|conda\.ya?ml)$/;

/**
 * The files a setup is taken to read: every dependency manifest, a `requirements/` folder's files,
 * and every file a command names by path (a named folder: the files under it; `.`: all of them).
 */
export function setupInputs(commands: string[], files: SetupFile[]): SetupFile[] {
  const named = new Set<string>();
  for (const command of commands)
    for (const word of command.split(/[\s"'=;&|()<>,]+/)) {
      const path = word.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
      if (word === "." || word === "./") named.add("");
      else if (path && !path.startsWith("-")) named.add(path);
    }
  return files.filter((file) => {
    const name = file.path.split("/").at(-1)!;
    if (MANIFEST.test(name) || file.path.startsWith("requirements/")) return true;
    if (named.has("")) return true;
    for (const path of named) if (file.path === path || file.path.startsWith(`${path}/`)) return true;
    return false;
  });
}

/** The commands as one `sh -e` script, each echoed before it runs (the log shows which one failed). */
export function setupScript(commands: string[]): string {
  return commands.map((command) => `printf '%s\\n' ${shellQuote(`$ ${command}`)}\n${command}`).join("\n");
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

// Our first step, as root: give the interpreter's package folders (site-packages, scripts) and /code
// to the sandbox user, then become it for good (setuid from root clears every capability) and run
// the repository's commands. Isolated (-I) like the sandbox's runner: /code cannot shadow a module here.
const DROP_TO_SANDBOX_USER_PY = String.raw`
import os, subprocess, sys, sysconfig
paths = sysconfig.get_paths()
for folder in sorted({paths["purelib"], paths["platlib"], paths["scripts"], "/code"}):
    os.makedirs(folder, exist_ok=True)
    subprocess.run(["chown", "-R", "1000:1000", folder], check=True)
os.setgroups([])
os.setgid(1000)
os.setuid(1000)
os.execvp("sh", ["sh", "-ec", sys.argv[1]])
`;
