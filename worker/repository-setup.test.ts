// A swarm worker builds the repository's setup image from the snapshot it fetched (real Docker): the
// same image the bot builds from git when the setup reads only text files, and a test importing the
// package setup installed passes in it. dellm-worker --no-setup is read from the command line.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { readEnv } from "../shared/config.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { SetupImages } from "../shared/sandbox/setup-image.js";
import { repositorySetupSource } from "../shared/sandbox/setup-source.js";
import { taskSandboxRun, type RepositoryView } from "../shared/sandbox/task-run.js";
import { repositoryViewAt } from "../bot/pipeline/repository-view.js";
import { packSnapshot, parseSnapshot } from "../shared/snapshot-manifest.js";
import { setupPreparer } from "./repository-setup.js";
import { parseWorkerArgs } from "./worker-command.js";
import { committedRepository, TINYPKG_INSTALL, tinypkgFiles } from "../test/setup-fixtures.js";

const docker = new Docker();
const runId = randomBytes(6).toString("hex");
const labels = { "dellm.test": runId };
const files = { ...tinypkgFiles(runId), "app/__init__.py": "" };
const USES =
  "import tinypkg\n\n\ndef answer():\n    return tinypkg.VALUE\n\n\ndef test_answer():\n    assert answer() == 42\n";

afterAll(async () => {
  const images = await docker.listImages({ filters: { label: [`dellm.test=${runId}`] } });
  for (const image of images) await docker.getImage(image.Id).remove({ force: true });
});

describe("a swarm worker's repository setup", () => {
  it("builds from the snapshot the image the bot builds from git, and the task's tests import the package there", async () => {
    const view: RepositoryView = {
      files: Object.entries(files).map(([path, content]) => ({ path, content })),
      tests: [],
      setup: { commands: [TINYPKG_INSTALL], network: false },
    };
    const lines: string[] = [];
    const prepared = await setupPreparer(new SetupImages({ labels }), (line) => lines.push(line))(view);
    expect(prepared.image).toMatch(/^dellm-setup:[0-9a-f]{16}-[0-9a-f]{64}$/);
    expect(lines).toEqual([`built the repository's setup image ${prepared.image}`]);

    // The bot's build from a git checkout of the same files is the same image, and is reused.
    const repo = await committedRepository(files);
    try {
      const source = await repositorySetupSource(repo, "main", 2 ** 20);
      expect(
        await new SetupImages({ labels }).ensure({
          repository: "swarm snapshot",
          commands: [TINYPKG_INSTALL],
          network: false,
          source,
        }),
      ).toEqual({
        image: prepared.image,
        built: false,
        log: "",
      });
    } finally {
      await rm(repo, { recursive: true, force: true });
    }

    const sandbox = new DockerSandbox({ timeoutSeconds: 30 });
    const inImage = await sandbox.run(taskSandboxRun("app/uses.py", USES, [], prepared));
    expect(inImage, inImage.stdout).toMatchObject({ success: true, tests_passed: 1 });
    const withoutSetup = await sandbox.run(taskSandboxRun("app/uses.py", USES, [], { ...view, setup: undefined }));
    expect(withoutSetup.success).toBe(false);
    expect(withoutSetup.failure_reason).toMatch(/missing dependency tinypkg/);
  }, 300_000);

  it("gets the binary files the setup reads with the snapshot, and builds the bot's image from them", async () => {
    const data = "BIN\u0000\u0001\u0002 wheel-like bytes";
    const command = `python -c "import sysconfig; d = open('vendor/data.bin', 'rb').read(); open(sysconfig.get_paths()['purelib'] + '/binsize.py', 'w').write('SIZE = %d\\n' % len(d))"`;
    const repo = await committedRepository({
      "requirements.txt": `# ${runId} binary\n`,
      "vendor/data.bin": data,
      "app/__init__.py": "",
    });
    try {
      const setup = { commands: [command], network: false };
      // The bot's view: the snapshot's text files, and the binary the setup names, base64.
      const { view } = await repositoryViewAt(repo, "main", { setup: { image: "bot-image", commands: setup } });
      expect(view!.files.map((f) => f.path)).not.toContain("vendor/data.bin");
      expect(view!.setup?.binaries).toEqual([
        { path: "vendor/data.bin", base64: Buffer.from(data).toString("base64") },
      ]);
      // Through the snapshot's bytes, as a swarm worker receives it.
      const received = parseSnapshot(packSnapshot(view!).bytes);
      const prepared = await setupPreparer(new SetupImages({ labels }))(received);
      const source = await repositorySetupSource(repo, "main", 2 ** 20);
      expect(
        await new SetupImages({ labels }).ensure({ repository: "swarm snapshot", ...setup, source }),
      ).toMatchObject({
        image: prepared.image,
        built: false,
      });
      const uses = "import binsize\n\n\ndef test_size():\n    assert binsize.SIZE == " + Buffer.byteLength(data) + "\n";
      const result = await new DockerSandbox({ timeoutSeconds: 30 }).run(
        taskSandboxRun("app/test_bin.py", uses, [], prepared),
      );
      expect(result, result.stdout).toMatchObject({ success: true, tests_passed: 1 });
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  }, 300_000);

  it("refuses a setup that needs the network unless the worker lends it, before building anything", async () => {
    const images = new SetupImages({ labels });
    const view: RepositoryView = { files: [], tests: [], setup: { commands: ["pip install requests"], network: true } };
    await expect(setupPreparer(images)(view)).rejects.toThrow(/needs the network.*--setup-network/);
    expect(images.builds).toBe(0);
  });

  it("leaves a view without setup as it is", async () => {
    const view: RepositoryView = { files: [], tests: [] };
    expect(await setupPreparer(new SetupImages({ labels }))(view)).toBe(view);
  });

  it("dellm-worker runs setup unless told --no-setup, offline unless told --setup-network", () => {
    const args = ["--bootstrap", "/ip4/127.0.0.1/tcp/4001", "--coordinator", "12D3KooWpeer"];
    expect(parseWorkerArgs(args, readEnv({}))).toMatchObject({ setup: true, setupNetwork: false });
    expect(parseWorkerArgs([...args, "--no-setup"], readEnv({})).setup).toBe(false);
    expect(parseWorkerArgs([...args, "--setup-network"], readEnv({})).setupNetwork).toBe(true);
  });
});
