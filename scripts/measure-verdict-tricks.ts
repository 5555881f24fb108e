// Runs every trick of shared/sandbox/verdict-tricks.fixture.ts through the real Docker sandbox and
// prints what the sandbox said: `npx tsx scripts/measure-verdict-tricks.ts` (needs the image).
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { VERDICT_TRICKS } from "../shared/sandbox/verdict-tricks.fixture.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
for (const trick of VERDICT_TRICKS) {
  const result = await sandbox.run(trick.run);
  const verdict = result.success ? "PASSED" : `not passed (${(result.failure_reason ?? "").split("\n")[0]})`;
  console.log(`${trick.name} | ${verdict} | counts ${result.tests_passed} passed, ${result.tests_failed} failed`);
}
