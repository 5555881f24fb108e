// A repository's environment: the `setup` commands of .github/dellm.yml (`pip install -r
// requirements.txt`, …) run once in a container of the sandbox image with the repository at /code,
// and the container is committed as a derived image, `dellm-setup:<hash>`. Tests then run in that
// image with the sandbox's usual flags (no network, read-only root, uid 1000, seccomp): only the
// setup ever has a network, and only when the repository asks for it (`setup_network: true`).
//
// The image's name carries the repository's identity and a hash of everything the build could read:
// the base image's id, the commands, the network flag and every tracked file (the whole tree is
// copied in, and `python -m tools.bootstrap`, `make` or `-r other.txt` read files no command
// names), so an image is never reused for another repository, nor for other contents.
//
// Limits hold without us: the container's PID 1 is `timeout` (it ends at the limit even when the
// process that started it is SIGKILLed; leftover-containers.ts removes what such a process left),
// its writable layer is bounded while it runs (the driver's size option where it has one, else, as
// root on overlay2, an ext4 file system of fixed size under it: layer-volume.ts), the bytes it wrote
// are checked before anything is committed, and the images kept are bounded in number and bytes.
// A network, when lent, is setup-network.ts's fenced bridge: the internet, not the host or private
// ranges.
//
// The setup runs as the sandbox user (uid 1000). The sandbox runs Python isolated (`python -I`: no
// user site-packages), so packages must land in the interpreter's own site-packages: before the
// commands, a fixed step of ours (as root, with only the CHOWN/SETUID/SETGID capabilities, no
// network) hands those folders and /code to uid 1000, then drops to it for good.
import { createHash } from "node:crypto";
import Docker from "dockerode";
import { z } from "zod";
import { DEFAULT_SANDBOX_IMAGE } from "../config.js";
import { BoundedText } from "./bounded-text.js";
import { boundWritableLayer } from "./layer-volume.js";
import { ownerLabel, selfEndingCommand } from "./leftover-containers.js";
import { SETUP_DNS, SetupNetwork } from "./setup-network.js";
import { SECCOMP_PROFILE } from "./seccomp-profile.js";

export const SETUP_LIMITS = { commands: 20, commandChars: 2_000 };
/** Label on setup containers and the images committed from them (its value is the hash). */
export const SETUP_LABEL = "dellm.setup";
export const SETUP_IMAGE_REPOSITORY = "dellm-setup";
/** Label on setup images: a digest of the repository's identity (which repository an image is for). */
export const SETUP_REPOSITORY_LABEL = "dellm.setup.repository";

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
  /**
   * Who the repository is (`github.com/owner/name`, a local repository's real path, a swarm job's
   * repository as its coordinator names it): part of the image's name, so no other repository's
   * image is ever reused.
   */
  repository: string;
  commands: string[];
  /** The setup container gets the fenced setup network (setup-network.ts; else none at all). */
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
  /** Bytes all derived images may take together (default 16 GiB): the oldest go first past it. */
  keepBytes?: number;
  /**
   * Bytes a setup may write into its image (default 4 GiB): a larger setup fails and nothing is
   * committed. Also the writable layer's size where the storage driver supports a quota.
   */
  maxImageBytes?: number;
  /**
   * Where Docker has no size quota (overlay2 on ext4), put the writable layer on an ext4 file system
   * of `maxImageBytes` (layer-volume.ts; root and overlay2 only). Default true; tests turn it off to
   * reach the check after the run.
   */
  layerVolume?: boolean;
  /** Who hands this object its repositories (a worker: its coordinator's peer id); part of every name. */
  scope?: string;
  /** The fenced network lent to `setup_network: true` (default: setup-network.ts's own bridge). */
  network?: SetupNetwork;
}

const SetupRequestSchema = z.object({
  repository: z
    .string()
    .trim()
    .min(1, { error: "a setup needs the repository's identity (e.g. github.com/owner/name)" })
    .max(1_000),
  commands: z
    .array(z.string().min(1).max(SETUP_LIMITS.commandChars))
    .min(1, { error: "a setup needs at least one command" })
    .max(SETUP_LIMITS.commands),
  network: z.boolean(),
});

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
  private readonly keepBytes: number;
  private readonly maxImageBytes: number;
  private readonly scope: string;
  private readonly network: SetupNetwork;
  /** False once the daemon refused a size quota on the writable layer (overlay2 without pquota). */
  private quotaSupported = true;
  private readonly layerVolume: boolean;
  /** How the last build's writable layer was bounded while it ran ("none": only the check after it). */
  storageBound: "quota" | "volume" | "none" | undefined;
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
    this.keepBytes = options.keepBytes ?? 16 * 2 ** 30;
    this.maxImageBytes = options.maxImageBytes ?? 4 * 2 ** 30;
    this.scope = options.scope ?? "";
    this.layerVolume = options.layerVolume ?? true;
    this.network = options.network ?? new SetupNetwork({ docker: this.docker });
  }

  /** The derived image for these commands and files: reused when it exists, else built (once). */
  async ensure(request: SetupRequest): Promise<SetupImage> {
    const checked = SetupRequestSchema.safeParse(request);
    if (!checked.success) throw new Error(`invalid setup request: ${z.prettifyError(checked.error)}`);
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
    const hash = setupHash({ baseImageId: base.Id, ...request, scope: this.scope });
    const owner = repositoryDigest(this.scope, request.repository);
    const image = `${SETUP_IMAGE_REPOSITORY}:${owner}-${hash}`;
    const pending = this.building.get(image);
    if (pending) return pending;
    const work = this.reuseOrBuild(image, hash, owner, base, request);
    this.building.set(image, work);
    try {
      const made = await work;
      this.lastUsed.set(image, Date.now());
      if (made.built) await this.prune(image, base.Size);
      return made;
    } finally {
      this.building.delete(image);
    }
  }

  private async reuseOrBuild(
    image: string,
    hash: string,
    owner: string,
    base: Docker.ImageInspectInfo,
    request: SetupRequest,
  ): Promise<SetupImage> {
    if (await this.exists(image)) return { image, built: false, log: "" };
    // Fails closed (SetupFailedError) when the network cannot be fenced on this machine.
    const networkName = request.network ? await this.network.ensure() : undefined;
    const archive = await request.source.archive();
    this.builds++;
    const created = await this.createContainer({
      Image: base.Id,
      Cmd: selfEndingCommand(this.timeoutSeconds, [
        "python",
        "-I",
        "-c",
        DROP_TO_SANDBOX_USER_PY,
        setupScript(request.commands),
      ]),
      User: "0:0",
      WorkingDir: "/code",
      Labels: { ...this.labels, [SETUP_LABEL]: hash, [SETUP_REPOSITORY_LABEL]: owner, ...ownerLabel() },
      AttachStdout: true,
      AttachStderr: true,
      NetworkDisabled: !networkName,
      HostConfig: {
        NetworkMode: networkName ?? "none",
        // Public resolvers: the fenced network reaches no private address, the host's resolver included.
        ...(networkName ? { Dns: [...SETUP_DNS], Sysctls: { "net.ipv6.conf.all.disable_ipv6": "1" } } : {}),
        CapDrop: ["ALL"],
        // Only for our own first step (chown, then setuid to 1000) and PID 1's `timeout` (KILL, to
        // end uid 1000's commands at the limit); the commands run without any.
        CapAdd: ["CHOWN", "SETUID", "SETGID", "KILL"],
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
    const container = created.container;
    try {
      // Before anything is written into the layer (the archive included).
      let bound: "quota" | "volume" | "none" = created.bound;
      if (bound === "none" && this.layerVolume && (await boundWritableLayer(container, this.maxImageBytes)))
        bound = "volume";
      this.storageBound = bound;
      await container.putArchive(archive, { path: "/code" });
      const { exitCode, timedOut, log } = await this.runToEnd(container);
      if (timedOut)
        throw new SetupFailedError(
          `setup timed out after ${this.timeoutSeconds} s; the container was killed`,
          null,
          log,
        );
      if (exitCode !== 0) throw new SetupFailedError(`setup failed with exit status ${exitCode}`, exitCode, log);
      // What the image would take on top of the base: refused past the bound, before any commit.
      // (`size` is the Engine API's query parameter; dockerode's types do not list it.)
      const sized = (await container.inspect({ size: true } as Docker.ContainerInspectOptions)) as { SizeRw?: number };
      const written = sized.SizeRw ?? 0;
      if (written > this.maxImageBytes)
        throw new SetupFailedError(
          `setup wrote ${mib(written)} MiB, over the ${mib(this.maxImageBytes)} MiB a setup image may take; install less (or ask the bot's operator to raise the bound)`,
          null,
          log,
        );
      // The container's command, user and working folder were ours: the image keeps the base's.
      const config = base.Config;
      await container.commit({
        _query: {
          container: container.id,
          repo: SETUP_IMAGE_REPOSITORY,
          tag: image.slice(SETUP_IMAGE_REPOSITORY.length + 1),
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

  /**
   * The setup container; with a size quota on its writable layer where the storage driver has one
   * (overlay2 on xfs with pquota, btrfs, zfs), else without (the bytes written are checked after).
   */
  private async createContainer(
    options: Docker.ContainerCreateOptions,
  ): Promise<{ container: Docker.Container; bound: "quota" | "none" }> {
    if (this.quotaSupported)
      try {
        const container = await this.docker.createContainer({
          ...options,
          HostConfig: { ...options.HostConfig, StorageOpt: { size: String(this.maxImageBytes) } },
        });
        return { container, bound: "quota" };
      } catch (error) {
        if (!/storage-opt|storage option|quota/i.test((error as Error).message)) throw error;
        this.quotaSupported = false;
      }
    return { container: await this.docker.createContainer(options), bound: "none" };
  }

  /**
   * Removes derived images beyond `keepImages` or past `keepBytes` together, least recently used (or
   * made) first; never `keep`.
   */
  private async prune(keep: string, baseBytes: number): Promise<void> {
    const images = await this.docker.listImages({ filters: { label: [SETUP_LABEL] } }).catch(() => []);
    const used = (info: Docker.ImageInfo) =>
      Math.max(info.Created * 1000, ...(info.RepoTags ?? []).map((tag) => this.lastUsed.get(tag) ?? 0));
    const kept = images.find((info) => (info.RepoTags ?? []).includes(keep));
    // Each image's own layer (its size over the base they share), so the base is not counted eight times.
    const own = (info: Docker.ImageInfo) => Math.max(0, info.Size - baseBytes);
    let bytes = kept ? own(kept) : 0;
    const stale = images
      .filter((info) => info !== kept)
      .sort((a, b) => used(b) - used(a))
      .filter((info, index) => {
        if (index < this.keepImages - 1 && bytes + own(info) <= this.keepBytes) {
          bytes += own(info);
          return false;
        }
        return true;
      });
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

/**
 * sha256 over the repository's identity, the base image id, the commands, the network flag and every
 * file of the repository (all are copied in, so any of them may be read).
 */
export function setupHash(input: {
  repository: string;
  scope?: string;
  baseImageId: string;
  commands: string[];
  network: boolean;
  source: Pick<SetupSource, "files">;
}): string {
  const read = input.source.files.map((f) => [f.path, f.digest]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return createHash("sha256")
    .update(
      JSON.stringify({
        repository: input.repository,
        scope: input.scope ?? "",
        base: input.baseImageId,
        commands: input.commands,
        network: input.network,
        files: read,
      }),
    )
    .digest("hex");
}

/** 16 hex digits naming the repository (and scope) in the image's tag: `dellm-setup:<repository>-<hash>`. */
export function repositoryDigest(scope: string, repository: string): string {
  return createHash("sha256")
    .update(JSON.stringify([scope, repository]))
    .digest("hex")
    .slice(0, 16);
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

/** Dependency manifests, by file name, wherever they are in the repository. */
const MANIFEST =
  /^(requirements[\w.-]*\.(txt|in)|[\w.-]*requirements\.(txt|in)|constraints[\w.-]*\.txt|pyproject\.toml|setup\.py|setup\.cfg|Pipfile|Pipfile\.lock|poetry\.lock|pdm\.lock|uv\.lock|environment\.ya?ml|conda\.ya?ml)$/;

/**
 * The files a setup most likely reads (the binaries among them travel with a swarm snapshot; the
 * image's hash covers every file): every dependency manifest, a `requirements/` folder's files,
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
