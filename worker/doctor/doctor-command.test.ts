// `dellm-worker doctor` on this machine: each broken thing a volunteer may have (no Docker daemon,
// no sandbox image, a wrong bootstrap address, no model file, a peer id that is not the bot's) is
// named with its fix and fails the run; and one all-green run against a real coordinator on
// loopback, with a tiny real GGUF model and the sandbox image that setup built.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStateDatabase, stateDatabasePath } from "../../bot/state/database.js";
import { SwarmCoordinator } from "../../bot/swarm/coordinator.js";
import { readEnv } from "../../shared/config.js";
import { createSwarmNode, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { makeTinyModel } from "../../test/gguf/tiny-model.js";
import { startCommand, testEnv } from "../../test/processes.js";
import { modelFileHash } from "../model/model-hash.js";
import { doctorCommand, parseDoctorArgs, type DoctorDependencies } from "./doctor-command.js";
import { checkMemory, checkNode, kvCacheBytes } from "./local-checks.js";
import { describeReachability } from "./swarm-checks.js";

const env = readEnv({ DELLM_SANDBOX_IMAGE: process.env.DELLM_SANDBOX_IMAGE });
const docker = new Docker();
let dir: string;
let modelPath: string;
let bot: SwarmNode;
let coordinator: SwarmCoordinator;
let botAddress: string;
let deps: DoctorDependencies;
let database: DatabaseSync | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-doctor-"));
  modelPath = join(dir, "tiny.gguf");
  await makeTinyModel(modelPath);
  const botKey = await generateKeyPair("Ed25519");
  bot = await createSwarmNode({ privateKey: botKey });
  coordinator = await SwarmCoordinator.start({
    node: bot,
    privateKey: botKey,
    database: (database = await openStateDatabase(stateDatabasePath(dir))),
  });
  botAddress = bot.getMultiaddrs()[0]!.toString();
  deps = { docker, hashCacheFile: join(dir, "model-hashes.json") };
});

afterAll(async () => {
  await coordinator?.stop();
  database?.close();
  await bot?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs doctor in-process, returning its exit status and what it printed. */
async function doctor(args: string[], extra: DoctorDependencies = {}): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await doctorCommand(
    ["--listen", "/ip4/127.0.0.1/tcp/0", "--cache-dir", join(dir, "cache"), "--timeout", "5", ...args],
    env,
    (line) => lines.push(line),
    {},
    { ...deps, ...extra },
  );
  return { code, output: lines.join("\n") };
}

const good = () => ["--bootstrap", botAddress, "--coordinator", bot.peerId.toString(), "--model", modelPath];

/** A loopback port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("dellm-worker doctor", () => {
  it("passes every check on a ready machine against a real coordinator, and reports the model's hash", async () => {
    const { code, output } = await doctor(good());
    expect(output).not.toMatch(/FAIL/);
    expect(output).toMatch(/ok +node +Node\.js 22/);
    expect(output).toMatch(/ok +docker +the daemon answers/);
    expect(output).toMatch(new RegExp(`ok +image +sandbox image ${env.DELLM_SANDBOX_IMAGE} is present`));
    expect(output).toContain(`sha256 ${await modelFileHash(modelPath, { cacheFile: deps.hashCacheFile })}`);
    expect(output).toMatch(/ok +memory +.* free; the model needs about/);
    expect(output).toMatch(/ok +disk +/);
    expect(output).toMatch(/ok +bootstrap +.* answers \(connected in \d+ ms\)/);
    expect(output).toMatch(/ok +coordinator +12D3Koo\w+ found, serves \/dellm\/coordinator\/1\.0\.0/);
    // The bot dials this machine back at 127.0.0.1 (the worker will serve the DHT).
    expect(output).toMatch(/ok +dialable +the bot dialled this machine back at 127\.0\.0\.1 port \d+/);
    expect(output).toContain("every required check passed");
    expect(code).toBe(0);
  });

  it("without Docker: names the daemon and how to start it, skips the image, and fails", async () => {
    const { code, output } = await doctor(good(), { docker: new Docker({ socketPath: "/nonexistent.sock" }) });
    expect(output).toMatch(/FAIL +docker +the Docker daemon does not answer at \/nonexistent\.sock \(connect ENOENT/);
    expect(output).toMatch(/fix: start the daemon: bash \S*scripts\/start-docker\.sh/);
    expect(output).toMatch(/skip +image +/);
    expect(output).toMatch(/ok +coordinator/); // the rest is still checked
    expect(output).toContain("1 required check(s) failed: docker.");
    expect(code).toBe(1);
  });

  it("without the sandbox image: gives the exact build command, and --fix builds it and checks again", async () => {
    const image = "dellm-doctor-missing:test";
    await docker
      .getImage(image)
      .remove()
      .catch(() => undefined);
    const missing = await doctor([...good(), "--image", image]);
    expect(missing.output).toMatch(new RegExp(`FAIL +image +the sandbox image ${image} is missing`));
    expect(missing.output).toContain(`fix: build it (a few minutes, once): DELLM_SANDBOX_IMAGE=${image} bash `);
    expect(missing.output).toContain("scripts/build-sandbox-image.sh");
    expect(missing.output).toContain("dellm-worker doctor --fix");
    expect(missing.code).toBe(1);

    // A stand-in for the build script (minutes): tag the existing sandbox image under the missing name.
    const built: string[] = [];
    const buildImage = async (name: string) => {
      built.push(name);
      const [repo = name, tag = "latest"] = name.split(":");
      await docker.getImage(env.DELLM_SANDBOX_IMAGE).tag({ repo, tag });
    };
    try {
      const fixed = await doctor([...good(), "--image", image, "--fix"], { buildImage });
      expect(built).toEqual([image]);
      expect(fixed.output).toMatch(new RegExp(`ok +image +sandbox image ${image} is present`));
      expect(fixed.code).toBe(0);
    } finally {
      await docker
        .getImage(image)
        .remove()
        .catch(() => undefined);
    }
  });

  it("with a wrong bootstrap address (a loopback port nobody listens on): names it, with the fix", async () => {
    const port = await closedPort();
    const address = `/ip4/127.0.0.1/tcp/${port}/p2p/${bot.peerId}`;
    const { code, output } = await doctor([...good().slice(2), "--bootstrap", address]);
    expect(output).toMatch(new RegExp(`FAIL +bootstrap +${address} does not answer: .*ECONNREFUSED`));
    expect(output).toContain("fix: copy the whole `dellm-worker --bootstrap … --coordinator …` line the bot prints");
    expect(output).toMatch(/skip +coordinator +needs a bootstrap address that answers/);
    expect(code).toBe(1);
  });

  it("with a missing model file: names the path and the ways to get one", async () => {
    const missing = join(dir, "no-such-model.gguf");
    const { code, output } = await doctor([...good(), "--model", missing]);
    expect(output).toMatch(new RegExp(`FAIL +model +Model file not found: ${missing}`));
    expect(output).toContain("--model /path/to/model.gguf");
    expect(output).toMatch(/skip +memory/);
    expect(code).toBe(1);
  });

  it("with a peer id that is not the bot's: the peer answers but serves no coordinator", async () => {
    const bare = await createSwarmNode();
    try {
      const { code, output } = await doctor([
        ...good().slice(4),
        "--bootstrap",
        bare.getMultiaddrs()[0]!.toString(),
        "--coordinator",
        bare.peerId.toString(),
      ]);
      expect(output).toMatch(/ok +bootstrap/);
      expect(output).toMatch(/FAIL +coordinator +peer \w+ answers but serves no dellm coordinator/);
      expect(output).toContain("fix: check --coordinator");
      expect(code).toBe(1);
    } finally {
      await bare.stop();
    }
  });

  it("finds a coordinator that is not the bootstrap peer through the DHT", async () => {
    const bootstrap = await createSwarmNode();
    try {
      await bot.dial(bootstrap.getMultiaddrs()[0]!);
      const { code, output } = await doctor([
        ...good().slice(2),
        "--bootstrap",
        bootstrap.getMultiaddrs()[0]!.toString(),
      ]);
      expect(output).toMatch(/ok +coordinator +12D3Koo\w+ found/);
      expect(code).toBe(0);
    } finally {
      await bootstrap.stop();
    }
  });

  it("the real command: exits 1 and names each failure (no Docker via DOCKER_HOST, no model, no bootstrap)", async () => {
    const port = await closedPort();
    const peer = bot.peerId.toString();
    const doctor = startCommand(
      "worker/cli.ts",
      [
        "doctor",
        "--bootstrap",
        `/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`,
        "--coordinator",
        peer,
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--model",
        join(dir, "absent.gguf"),
        "--cache-dir",
        join(dir, "cache"),
      ],
      testEnv({ DOCKER_HOST: "unix:///nonexistent.sock" }),
    );
    const failure = { code: await doctor.exited, stdout: doctor.output() };
    expect(failure.code).toBe(1);
    expect(failure.stdout).toMatch(/FAIL +docker +the Docker daemon does not answer/);
    expect(failure.stdout).toMatch(/FAIL +model +Model file not found/);
    expect(failure.stdout).toMatch(/FAIL +bootstrap +.* does not answer/);
    expect(failure.stdout).toContain("3 required check(s) failed: docker, model, bootstrap.");
  });

  it("takes the worker's join line as it is, and its own --fix and --timeout", () => {
    const options = parseDoctorArgs(["--bootstrap", "/ip4/1.2.3.4/tcp/4001/p2p/x", "--coordinator", "x", "--fix"], env);
    expect(options).toMatchObject({ fix: true, timeout: 10, bootstrap: ["/ip4/1.2.3.4/tcp/4001/p2p/x"] });
    expect(parseDoctorArgs([], env).bootstrap).toEqual([]); // reported as a failed check, not a usage error
    expect(() => parseDoctorArgs(["--timeout", "0"], env)).toThrow(/--timeout must be above 0/);
  });
});

describe("doctor's judgements", () => {
  it("refuses a Node older than 22.12", () => {
    expect(checkNode("22.12.0").status).toBe("ok");
    expect(checkNode("23.0.1").status).toBe("ok");
    expect(checkNode("22.11.0")).toMatchObject({ status: "FAIL", fix: expect.stringContaining("Node.js 22") });
  });

  it("compares free memory with the weights plus the context", () => {
    // Qwen2.5-1.5B: 28 layers, 2 KV heads of 128: about 15 KB a token with the Q8_0 cache.
    expect(kvCacheBytes(8192, 28, 2, 128)).toBe(124_780_544);
    const facts = { path: "m.gguf", size: 1.6e9, contextTokens: 8192, contextBytes: 124_780_544 };
    expect(checkMemory(facts, 4e9).status).toBe("ok");
    expect(checkMemory(facts, 1.5e9)).toMatchObject({
      status: "FAIL",
      fix: expect.stringContaining("DELLM_CONTEXT_SIZE"),
    });
  });

  it("says 'probably behind NAT' when peers see another address than this machine's", async () => {
    const { multiaddr } = await import("@multiformats/multiaddr");
    const node = { getMultiaddrs: () => [multiaddr("/ip4/192.168.1.20/tcp/4001")] };
    const behindNat = describeReachability(
      node,
      [{ observedAddr: multiaddr("/ip4/203.0.113.7/tcp/53211") }],
      new Set(["192.168.1.20"]),
    );
    expect(behindNat.status).toBe("info");
    expect(behindNat.detail).toContain("peers see this machine at 203.0.113.7");
    expect(behindNat.detail).toContain("probably behind NAT: fine, workers open every stream themselves");
    const direct = describeReachability(
      node,
      [{ observedAddr: multiaddr("/ip4/192.168.1.20/tcp/53211") }],
      new Set(["192.168.1.20"]),
    );
    expect(direct.status).toBe("ok");
  });
});
