// Attacks on the repository's `setup` (real Docker): one repository's image handed to another, a
// setup with a network reaching the bot's host or private ranges, a setup filling the disk, and a
// setup or sandbox container outliving the process that started it (SIGKILL).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { createServer, type AddressInfo, type Server } from "node:net";
import { hostname } from "node:os";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SANDBOX_IMAGE } from "../config.js";
import { committedRepository } from "../../test/setup-fixtures.js";
import { OWNER_LABEL, ownerLabel, sweepLeftoverContainers } from "./leftover-containers.js";
import { repositoryDigest, SETUP_REPOSITORY_LABEL, SetupFailedError, SetupImages } from "./setup-image.js";
import { BLOCKED_RANGES, SetupNetwork } from "./setup-network.js";
import { repositorySetupSource } from "./setup-source.js";

const exec = promisify(execFile);
const docker = new Docker();
const runId = randomBytes(4).toString("hex");
const labels = { "dellm.test": runId };
const isRoot = process.getuid?.() === 0;
const repos: string[] = [];

async function repository(files: Record<string, string>): Promise<string> {
  const dir = await committedRepository(files);
  repos.push(dir);
  return dir;
}

async function removeTestContainers(): Promise<void> {
  for (const info of await docker.listContainers({ all: true, filters: { label: [`dellm.test=${runId}`] } }))
    await docker
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => {});
}

afterAll(async () => {
  await removeTestContainers();
  for (const image of await docker.listImages({ filters: { label: [`dellm.test=${runId}`] } }))
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => {});
  for (const dir of repos) await rm(dir, { recursive: true, force: true });
});

/** What `python -c pass` prints on stderr in `image` (a .pth file in site-packages runs at every start). */
async function startupOutput(image: string): Promise<string> {
  const { stdout, stderr } = await exec("docker", ["run", "--rm", "--network", "none", image, "python", "-c", "pass"]);
  return stdout + stderr;
}

describe("setup images are never shared across repositories", () => {
  // Repository A's bootstrap plants a .pth that runs in every later interpreter; B's is harmless.
  // Both run `python -m tools.bootstrap`, a command that names no file.
  const planting = [
    "import sysconfig",
    "with open(sysconfig.get_paths()['purelib'] + '/zz_planted.pth', 'w') as f:",
    "    f.write('import sys; sys.stderr.write(\"PLANTED-BY-A\\\\n\")\\n')",
    "",
  ].join("\n");
  const commands = ["python -m tools.bootstrap"];

  it("builds B's own image when A's has the same commands, and B's image holds none of A's code", async () => {
    const a = await repositorySetupSource(
      await repository({ "tools/__init__.py": "", "tools/bootstrap.py": planting }),
      "main",
      2 ** 20,
    );
    const b = await repositorySetupSource(
      await repository({ "tools/__init__.py": "", "tools/bootstrap.py": "print('nothing to do')\n" }),
      "main",
      2 ** 20,
    );
    const setups = new SetupImages({ labels });
    const imageA = await setups.ensure({
      repository: `github.com/a-${runId}/one`,
      commands,
      network: false,
      source: a,
    });
    const imageB = await setups.ensure({
      repository: `github.com/b-${runId}/two`,
      commands,
      network: false,
      source: b,
    });
    expect(imageA.built).toBe(true);
    expect(imageB.built).toBe(true);
    expect(imageB.image).not.toBe(imageA.image);
    expect(await startupOutput(imageA.image)).toContain("PLANTED-BY-A");
    expect(await startupOutput(imageB.image)).not.toContain("PLANTED-BY-A");
    // The same repository with another bootstrap (a file no command names) gets a new image too.
    const changed = await repositorySetupSource(
      await repository({ "tools/__init__.py": "", "tools/bootstrap.py": "print('changed')\n" }),
      "main",
      2 ** 20,
    );
    const again = await setups.ensure({
      repository: `github.com/a-${runId}/one`,
      commands,
      network: false,
      source: changed,
    });
    expect(again.built).toBe(true);
    expect(again.image).not.toBe(imageA.image);
  }, 120_000);
});

/** A TCP server on `host` counting the connections it gets. */
async function countingServer(host: string): Promise<{ server: Server; port: number; count: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.end("hello\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port, count: () => connections };
}

/** The host's address on docker0 (the default bridge's gateway; os.networkInterfaces skips a bridge that is down). */
async function docker0Address(): Promise<string> {
  const { stdout } = await exec("ip", ["-4", "-o", "addr", "show", "dev", "docker0"]);
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(stdout)?.[1];
  if (!address) throw new Error("docker0 has no IPv4 address: start Docker with bash scripts/start-docker.sh");
  return address;
}

const gatewayOf = async (network: string) =>
  ((await docker.getNetwork(network).inspect()) as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0]!.Gateway;

describe.skipIf(!isRoot)("a setup's network (root: iptables and a test namespace)", () => {
  const network = new SetupNetwork({ name: `dellm-setup-t${runId}`, bridge: `dlmt${runId}` });
  const namespace = `dlmt${runId}`;
  const hostVeth = `vh${runId}`;
  // A stand-in for the internet: a namespace of this machine at a documentation address (TEST-NET-2).
  const publicAddress = "198.51.100.2";
  let publicServer: ChildProcess | undefined;

  beforeAll(async () => {
    await exec("ip", ["netns", "add", namespace]);
    await exec("ip", ["link", "add", hostVeth, "type", "veth", "peer", "name", `vn${runId}`]);
    await exec("ip", ["link", "set", `vn${runId}`, "netns", namespace]);
    await exec("ip", ["addr", "add", "198.51.100.1/30", "dev", hostVeth]);
    await exec("ip", ["link", "set", hostVeth, "up"]);
    await exec("ip", ["netns", "exec", namespace, "ip", "addr", "add", `${publicAddress}/30`, "dev", `vn${runId}`]);
    await exec("ip", ["netns", "exec", namespace, "ip", "link", "set", `vn${runId}`, "up"]);
    await exec("ip", ["netns", "exec", namespace, "ip", "link", "set", "lo", "up"]);
    const script = `require("node:net").createServer((s) => s.end("public\\n")).listen(8080, "${publicAddress}", () => console.log("up"))`;
    publicServer = spawn("ip", ["netns", "exec", namespace, process.execPath, "-e", script], { stdio: "pipe" });
    await new Promise<void>((resolve, reject) => {
      publicServer!.stdout!.once("data", () => resolve());
      publicServer!.once("exit", (code) => reject(new Error(`the namespace's server exited (${code})`)));
    });
  }, 30_000);

  afterAll(async () => {
    publicServer?.kill("SIGKILL");
    await exec("ip", ["link", "del", hostVeth]).catch(() => {});
    await exec("ip", ["netns", "del", namespace]).catch(() => {});
    await network.remove();
  });

  it("reaches an outside address but not the host (docker0, its own gateway), another container or private ranges", async () => {
    await network.ensure();
    const docker0 = await docker0Address();
    const gateway = await gatewayOf(network.name);
    const onDocker0 = await countingServer(docker0);
    const onGateway = await countingServer(gateway);
    // Another container on docker0 (a private address forwarded, not the host's own).
    const neighbour = await docker.createContainer({
      Image: DEFAULT_SANDBOX_IMAGE,
      Cmd: ["python", "-c", "import socketserver as s; s.TCPServer(('', 8000), s.BaseRequestHandler).serve_forever()"],
      Labels: labels,
      HostConfig: { NetworkMode: "bridge" },
    });
    await neighbour.start();
    const neighbourAddress = (await neighbour.inspect()).NetworkSettings.Networks["bridge"]!.IPAddress;
    try {
      const targets = [
        [docker0, onDocker0.port],
        [gateway, onGateway.port],
        [neighbourAddress, 8000],
        [publicAddress, 8080],
      ];
      const probe = [
        `python - <<'EOF'`,
        "import socket",
        "# Which source address a packet to the internet would leave from (UDP connect sends nothing).",
        "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.connect(('198.51.100.77', 9))",
        "print('ROUTE', u.getsockname()[0])",
        `for host, port in ${JSON.stringify(targets)}:`,
        "    try:",
        "        socket.create_connection((host, port), timeout=3).close(); print('REACHED', host)",
        "    except OSError as e:",
        "        print('BLOCKED', host, type(e).__name__)",
        "EOF",
      ].join("\n");
      const source = await repositorySetupSource(await repository({ "README.md": runId }), "main", 2 ** 20);
      const made = await new SetupImages({ labels, network })
        .ensure({
          repository: `test/network-${runId}`,
          commands: [probe],
          network: true,
          source,
        })
        .catch((error: unknown) => {
          throw error instanceof SetupFailedError ? new Error(`${error.message}\n${error.log}`) : error;
        });
      console.log(`[setup network] ${made.log.replace(/\n/g, " | ")}`);
      expect(made.log).toMatch(/^ROUTE \d+\.\d+\.\d+\.\d+$/m);
      expect(made.log).toContain(`REACHED ${publicAddress}`);
      for (const blocked of [docker0, gateway, neighbourAddress]) expect(made.log).toContain(`BLOCKED ${blocked}`);
      expect(onDocker0.count()).toBe(0);
      expect(onGateway.count()).toBe(0);
      // The fence is in place: every rule, by its chain.
      expect(await network.fenced()).toBe(true);
      const rules = (await exec("iptables", ["-w", "-S"])).stdout;
      expect(rules).toContain(`-A INPUT -i ${network.bridge} -j DROP`);
      for (const range of BLOCKED_RANGES)
        expect(rules).toContain(`-A DOCKER-USER -d ${range} -i ${network.bridge} -j DROP`);
    } finally {
      await neighbour.remove({ force: true });
      onDocker0.server.close();
      onGateway.server.close();
    }
  }, 120_000);
});

describe("a setup network that cannot be fenced", () => {
  it("is refused before anything runs, with the reason and the offline way", async () => {
    const network = new SetupNetwork({
      name: `dellm-setup-f${runId}`,
      bridge: `dlmf${runId}`,
      iptables: "/nonexistent/iptables",
    });
    const setups = new SetupImages({ labels, network });
    const source = await repositorySetupSource(await repository({ "README.md": runId }), "main", 2 ** 20);
    try {
      const error = await setups
        .ensure({ repository: `test/unfenced-${runId}`, commands: ["true"], network: true, source })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SetupFailedError);
      expect((error as Error).message).toMatch(/^no network for setup on this machine: /);
      expect((error as Error).message).toMatch(/--no-index --find-links wheels .* setup_network: false$/);
      expect(setups.builds).toBe(0);
    } finally {
      await network.remove();
    }
  }, 60_000);
});

describe("setup storage", () => {
  const filler = "head -c 41943040 /dev/zero > /code/filler";

  it.skipIf(!isRoot)(
    "stops a setup at its bound while it writes (a layer of fixed size), and commits nothing",
    async () => {
      const setups = new SetupImages({ labels, maxImageBytes: 20 * 2 ** 20 });
      const source = await repositorySetupSource(await repository({ "README.md": runId }), "main", 2 ** 20);
      const repository_ = `test/storage-volume-${runId}`;
      const error = await setups
        .ensure({ repository: repository_, commands: [filler], network: false, source })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SetupFailedError);
      expect(setups.storageBound).toBe("volume");
      expect((error as SetupFailedError).log).toMatch(/No space left on device/);
      const owner = repositoryDigest("", repository_);
      expect(await docker.listImages({ filters: { label: [`${SETUP_REPOSITORY_LABEL}=${owner}`] } })).toHaveLength(0);
      // The loop mount went with the container.
      expect((await exec("mount")).stdout).not.toMatch(/dellm-layer-/);
    },
    60_000,
  );

  it("fails a setup that wrote more than its bound, and commits nothing (where no layer bound applies)", async () => {
    const setups = new SetupImages({ labels, maxImageBytes: 20 * 2 ** 20, layerVolume: false });
    const source = await repositorySetupSource(await repository({ "README.md": runId }), "main", 2 ** 20);
    const repository_ = `test/storage-${runId}`;
    const error = await setups
      .ensure({ repository: repository_, commands: [filler], network: false, source })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SetupFailedError);
    expect((error as Error).message).toMatch(/^setup wrote (4\d) MiB, over the 20 MiB a setup image may take/);
    const owner = repositoryDigest("", repository_);
    expect(await docker.listImages({ filters: { label: [`${SETUP_REPOSITORY_LABEL}=${owner}`] } })).toHaveLength(0);
  }, 60_000);
});

/**
 * Starts orphan-run.fixture.ts and, once its container runs, stops it (SIGSTOP: nothing of ours acts
 * on the container any more, yet other sweeps on this daemon still see a live owner and spare it).
 */
async function orphan(kind: "setup" | "sandbox", repoDir: string): Promise<{ id: string; child: ChildProcess }> {
  // One process (tsx as a loader, not its CLI, which would leave a child of its own running).
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "shared/sandbox/orphan-run.fixture.ts", kind, repoDir, runId],
    {
      stdio: "ignore",
    },
  );
  for (let i = 0; i < 120; i++) {
    const [running] = await docker.listContainers({ filters: { label: [`dellm.test=${runId}`], status: ["running"] } });
    if (running) {
      child.kill("SIGSTOP");
      return { id: running.Id, child };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill("SIGKILL");
  throw new Error(`the ${kind} container never started`);
}

async function killed(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve),
  );
}

/** Seconds until the container is no longer running (bounded). */
async function secondsUntilStopped(id: string, limit: number): Promise<number> {
  const started = performance.now();
  while ((performance.now() - started) / 1000 < limit) {
    const state = (await docker.getContainer(id).inspect()).State;
    if (!state.Running) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return Infinity;
}

describe("a container whose process is SIGKILLed", () => {
  for (const kind of ["setup", "sandbox"] as const)
    it(`(${kind}, 2 s limit) ends by itself and is removed by the start-up sweep, which spares live owners' containers`, async () => {
      await removeTestContainers();
      const repoDir = await repository({ "README.md": runId });
      const { id, child } = await orphan(kind, repoDir);
      try {
        // Nothing of ours acts on it: the `timeout` inside ends it, 2 s + grace after it started.
        const stopped = await secondsUntilStopped(id, 15);
        expect(stopped).toBeLessThan(15);
        expect((await docker.getContainer(id).inspect()).Config.Labels[OWNER_LABEL]).toBe(
          `${hostname()}:${child.pid}:${(await readFile(`/proc/${child.pid}/stat`, "utf8")).split(") ")[1]!.split(" ")[19]}`,
        );
      } finally {
        await killed(child);
      }
      // A live owner's container (this test process's) is left alone.
      const mine = await docker.createContainer({
        Image: DEFAULT_SANDBOX_IMAGE,
        Cmd: ["sleep", "30"],
        Labels: { ...labels, "dellm.sandbox": "1", ...ownerLabel() },
      });
      try {
        const removed = await sweepLeftoverContainers(docker);
        expect(removed).not.toContain(mine.id);
        await expect(mine.inspect()).resolves.toBeTruthy();
        // Removed by this sweep, or already by another process's start-up sweep on this daemon.
        await expect(docker.getContainer(id).inspect()).rejects.toThrow(/no such container/i);
      } finally {
        await mine.remove({ force: true });
      }
    }, 60_000);
});
