// A process that starts a setup build or a sandbox run which outlasts it: the attack tests SIGKILL it
// once its container exists, then check that the container ends by itself and that the start-up
// sweep removes it. Run with tsx: orphan-run.fixture.ts <setup|sandbox> <repository dir> <label value>.
import { DockerSandbox } from "./docker-sandbox.js";
import { SetupImages } from "./setup-image.js";
import { repositorySetupSource } from "./setup-source.js";

const [kind, repoDir, runId] = process.argv.slice(2);
if (kind === "setup") {
  const source = await repositorySetupSource(repoDir!, "main", 2 ** 20);
  await new SetupImages({ labels: { "dellm.test": runId! }, timeoutSeconds: 2 })
    .ensure({ repository: `test/orphan-${runId}`, commands: ["sleep 600"], network: false, source })
    .catch(() => {});
} else if (kind === "sandbox") {
  await new DockerSandbox({ timeoutSeconds: 2, labels: { "dellm.test": runId! } }).run({
    files: [{ path: `test_orphan_${runId}.py`, content: "import time\n\ndef test_hangs():\n    time.sleep(600)\n" }],
    testTargets: [`test_orphan_${runId}.py`],
  });
} else {
  throw new Error("usage: orphan-run.fixture.ts <setup|sandbox> <repository dir> <label value>");
}
