// Real Docker: a repository's `setup` installs a tiny local package (offline) into a derived image,
// built once and reused; a test importing the package passes there and, in the base image, fails
// as "missing dependency tinypkg"; a failing setup raises SetupFailedError with its log.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SANDBOX_IMAGE } from "../config.js";
import { DockerSandbox } from "./docker-sandbox.js";
import { SETUP_LABEL, SetupFailedError, SetupImages, setupHash, setupInputs, type SetupFile } from "./setup-image.js";
import { repositorySetupSource } from "./setup-source.js";
import { committedRepository, TINYPKG_INSTALL, tinypkgFiles } from "../../test/setup-fixtures.js";

const docker = new Docker();
const runId = randomBytes(6).toString("hex");
const labels = { "dellm.test": runId };
const repository = `test/setup-image-${runId}`;
let repoDir: string;

const TEST = "import tinypkg\n\n\ndef test_value():\n    assert tinypkg.VALUE == 42\n";

beforeAll(async () => {
  repoDir = await committedRepository({ ...tinypkgFiles(runId), "test_uses.py": TEST });
});

afterAll(async () => {
  await rm(repoDir, { recursive: true, force: true });
  const images = await docker.listImages({ filters: { label: [`dellm.test=${runId}`] } });
  for (const image of images) await docker.getImage(image.Id).remove({ force: true });
});

describe("setup image", () => {
  it("builds the derived image once, reuses it, and its tests import what setup installed", async () => {
    const setups = new SetupImages({ labels });
    const source = await repositorySetupSource(repoDir, "main", 20 * 2 ** 20);
    const request = { repository, commands: [TINYPKG_INSTALL], network: false, source };
    const started = performance.now();
    // Two jobs asking at once share one build.
    const [first, second] = await Promise.all([setups.ensure(request), setups.ensure(request)]);
    const buildSeconds = (performance.now() - started) / 1000;
    expect(first.built).toBe(true);
    expect(second.image).toBe(first.image);
    expect(first.image).toMatch(/^dellm-setup:[0-9a-f]{16}-[0-9a-f]{64}$/);
    expect(first.log).toContain("$ if python -m pip");
    const reuseStarted = performance.now();
    const again = await new SetupImages({ labels }).ensure(request);
    const reuseSeconds = (performance.now() - reuseStarted) / 1000;
    expect(again).toEqual({ image: first.image, built: false, log: "" });
    expect(setups.builds).toBe(1);
    console.log(`[setup] built in ${buildSeconds.toFixed(1)} s, reused in ${reuseSeconds.toFixed(2)} s`);

    const info = await docker.getImage(first.image).inspect();
    expect(info.Config.Labels?.[SETUP_LABEL]).toBe(first.image.split("-").at(-1));
    expect(info.Config.User).toBe((await docker.getImage(DEFAULT_SANDBOX_IMAGE).inspect()).Config.User || "1000:1000");
    const containers = await docker.listContainers({ all: true, filters: { label: [`dellm.test=${runId}`] } });
    expect(containers).toHaveLength(0);

    // The test file alone (the vendored source is not on the tests' path): only the image can provide tinypkg.
    const sandbox = new DockerSandbox();
    const run = {
      files: [{ path: "test_uses.py", content: TEST }],
      testTargets: ["test_uses.py"],
      insideRepository: true,
    };
    const inDerived = await sandbox.run({ ...run, image: first.image });
    expect(inDerived.verdict, inDerived.stdout + inDerived.stderr).toBe("passed");
    const inBase = await sandbox.run(run);
    expect(inBase.verdict).toBe("missing_dependency");
    expect(inBase.failure_reason).toMatch(/^missing dependency tinypkg: add it to setup in \.github\/dellm\.yml/);
  }, 240_000);

  it("raises SetupFailedError with the log when a command fails, and keeps no image", async () => {
    const setups = new SetupImages({ labels });
    const source = await repositorySetupSource(repoDir, "main", 20 * 2 ** 20);
    const request = { repository, commands: ["echo preparing the environment", "exit 3"], network: false, source };
    const error = await setups.ensure(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SetupFailedError);
    const failure = error as SetupFailedError;
    expect(failure.exitCode).toBe(3);
    expect(failure.message).toBe("setup failed with exit status 3");
    expect(failure.log).toContain("preparing the environment");
    expect(failure.log).toContain("$ exit 3");
    const baseImageId = (await docker.getImage(DEFAULT_SANDBOX_IMAGE).inspect()).Id;
    const images = await docker.listImages({
      filters: { label: [`${SETUP_LABEL}=${setupHash({ baseImageId, ...request })}`] },
    });
    expect(images).toHaveLength(0);
    const containers = await docker.listContainers({ all: true, filters: { label: [`dellm.test=${runId}`] } });
    expect(containers).toHaveLength(0);
  }, 120_000);

  it("has no network unless setup_network is set, and runs as the sandbox user without capabilities", async () => {
    const setups = new SetupImages({ labels });
    const source = await repositorySetupSource(repoDir, "main", 20 * 2 ** 20);
    const probe = [
      "id -u",
      "grep CapEff /proc/self/status",
      `python -c "import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)"`,
    ];
    const error = (await setups
      .ensure({ repository, commands: probe, network: false, source })
      .catch((e: unknown) => e)) as SetupFailedError;
    expect(error).toBeInstanceOf(SetupFailedError);
    expect(error.log).toMatch(/^1000$/m);
    expect(error.log).toMatch(/CapEff:\s+0+$/m);
    expect(error.log).toMatch(/Network is unreachable|ENETUNREACH|Errno 101/);
  }, 120_000);
});

describe("setup limits", () => {
  it("kills a setup at its time limit and says so", async () => {
    const setups = new SetupImages({ labels, timeoutSeconds: 2 });
    const source = await repositorySetupSource(repoDir, "main", 20 * 2 ** 20);
    const started = performance.now();
    const error = (await setups
      .ensure({ repository, commands: ["echo waiting", "sleep 60"], network: false, source })
      .catch((e: unknown) => e)) as SetupFailedError;
    expect(error).toBeInstanceOf(SetupFailedError);
    expect(error.message).toBe("setup timed out after 2 s; the container was killed");
    expect(error.exitCode).toBeNull();
    expect(error.log).toContain("waiting");
    expect((performance.now() - started) / 1000).toBeLessThan(20);
  }, 60_000);
});

describe("setup hash", () => {
  const files: SetupFile[] = [
    { path: "requirements.txt", digest: "a" },
    { path: "src/app.py", digest: "b" },
    { path: "vendor/pkg/setup.py", digest: "c" },
    { path: "vendor/pkg/pkg/__init__.py", digest: "d" },
    { path: "tools/reqs.lock", digest: "e" },
  ];
  const hash = (changed: Partial<Record<string, string>>, commands = ["pip install -r requirements.txt"]) =>
    setupHash({
      repository: "github.com/a/one",
      baseImageId: "sha256:base",
      commands,
      network: false,
      source: { files: files.map((f) => ({ ...f, digest: changed[f.path] ?? f.digest })) },
    });

  it("reads the manifests and the paths the commands name", () => {
    expect(setupInputs(["pip install --no-index ./vendor/pkg/"], files).map((f) => f.path)).toEqual([
      "requirements.txt",
      "vendor/pkg/setup.py",
      "vendor/pkg/pkg/__init__.py",
    ]);
    expect(setupInputs(["pip install --constraint=tools/reqs.lock x"], files).map((f) => f.path)).toContain(
      "tools/reqs.lock",
    );
    expect(setupInputs(["pip install ."], files)).toHaveLength(files.length);
  });

  it("changes with any file, the commands, the network flag, the base image, the repository or the scope", () => {
    expect(hash({})).toBe(hash({}));
    expect(hash({ "src/app.py": "changed" })).not.toBe(hash({}));
    expect(hash({ "requirements.txt": "changed" })).not.toBe(hash({}));
    expect(hash({}, ["pip install -r requirements.txt", "true"])).not.toBe(hash({}));
    const base = { repository: "r", baseImageId: "b", commands: ["x"], network: false, source: { files } };
    expect(setupHash({ ...base, baseImageId: "sha256:other" })).not.toBe(setupHash(base));
    expect(setupHash({ ...base, network: true })).not.toBe(setupHash(base));
    expect(setupHash({ ...base, repository: "r2" })).not.toBe(setupHash(base));
    expect(setupHash({ ...base, scope: "coordinator Qm1" })).not.toBe(setupHash(base));
  });

  it("keeps at most keepImages derived images, removing the least recently used", async () => {
    const setups = new SetupImages({ labels, keepImages: 2 });
    const source = await repositorySetupSource(repoDir, "main", 20 * 2 ** 20);
    const made: string[] = [];
    for (const step of ["one", "two", "three"])
      made.push(
        (await setups.ensure({ repository, commands: [`echo ${step} ${runId}`], network: false, source })).image,
      );
    const present = async (image: string) =>
      docker
        .getImage(image)
        .inspect()
        .then(() => true)
        .catch(() => false);
    expect(await Promise.all(made.map(present))).toEqual([false, true, true]);
  }, 120_000);

  it("keeps derived images within keepBytes together, removing the least recently used", async () => {
    const setups = new SetupImages({ labels, keepBytes: 30 * 2 ** 20 });
    const source = await repositorySetupSource(repoDir, "main", 20 * 2 ** 20);
    const made: string[] = [];
    // 20 MiB each: the second pushes the two past 30 MiB, so the first goes.
    for (const step of ["one", "two"])
      made.push(
        (
          await setups.ensure({
            repository,
            commands: [`head -c 20971520 /dev/urandom > /code/filler-${step}-${runId}`],
            network: false,
            source,
          })
        ).image,
      );
    const present = async (image: string) =>
      docker
        .getImage(image)
        .inspect()
        .then(() => true)
        .catch(() => false);
    expect(await Promise.all(made.map(present))).toEqual([false, true]);
  }, 120_000);
});
