// A repository's `setup` around a GitHub job (issue 11): real git, the real Docker sandbox and
// setup images, GitHub's API at the HTTP boundary (nock), a stub solver. The setup's image is built
// from the base branch before any task goes out and the bot's re-test and the repository's tests
// run in it; a failing setup stops the job before planning (no model asked), with its log on the issue.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import type { Task, WorkItem } from "../../shared/schemas.js";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { SetupImages } from "../../shared/sandbox/setup-image.js";
import { repositoryOf, type RepositoryView } from "../../shared/sandbox/task-run.js";
import { passingResult } from "../../test/fixtures.js";
import { bareRepository } from "../../test/git-fixtures.js";
import { gitDataApi } from "../../test/fake-git-data.js";
import { issueRequest, jobsFixture, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import type { TaskSolver } from "../../worker/worker-loop.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";
import { DEFAULT_SETTINGS, type AppSettings } from "./app-settings.js";
import { GitHubJobStore, type GitHubJob } from "./job-store.js";
import type { GitHubJobsOptions } from "./jobs.js";
import { TINYPKG_INSTALL, tinypkgFiles } from "../../test/setup-fixtures.js";

const runId = randomBytes(6).toString("hex");
const labels = { "dellm.test": runId };

const repository = {
  ...tinypkgFiles(runId),
  "tests/test_tinypkg.py": "import tinypkg\n\n\ndef test_double():\n    assert tinypkg.double(2) == 4\n",
};

const task: Task = {
  id: 1,
  description: "Add quadruple() built on tinypkg.double",
  file: "quad.py",
  dependencies: [],
  input_output_spec: "",
  directory: "",
  context: "",
};
const QUAD =
  "import tinypkg\n\n\ndef quadruple(x):\n    return tinypkg.double(tinypkg.double(x))\n\n\ndef test_quadruple():\n    assert quadruple(3) == 12\n";

// Each test makes its own remote and store.
const fixture = jobsFixture({ prefix: "dellm-job-setup-", files: null, store: false });
afterAll(async () => {
  const docker = new Docker();
  for (const image of await docker.listImages({ filters: { label: [`dellm.test=${runId}`] } }))
    await docker.getImage(image.Id).remove({ force: true });
});

function solver(): TaskSolver & { seen: Task[]; repositories: (RepositoryView | undefined)[] } {
  const seen: Task[] = [];
  const repositories: (RepositoryView | undefined)[] = [];
  return {
    seen,
    repositories,
    execute: async (item: WorkItem) => {
      seen.push(item.task);
      repositories.push(repositoryOf(item));
      return passingResult(item.jobId, item.task.id, "local-1", QUAD);
    },
  };
}

async function runJob(
  settings: Partial<AppSettings>,
  worker: TaskSolver,
  options: Partial<GitHubJobsOptions> = {},
): Promise<GitHubJob> {
  const remote = await bareRepository(fixture.dir, repository);
  gitDataApi(remote);
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: [JSON.stringify([task])] },
    { kind: "summary", reply: "Added quadruple." },
  ]);
  const bot = fixture.githubJobs({
    store: await GitHubJobStore.open(join(fixture.dir, "dellm.db")),
    planner: async () => new Planner(model, { retries: 1 }),
    distribution: inProcessWorkers([worker]),
    remoteUrl: () => remote,
    verifier: new DockerSandbox({ timeoutSeconds: 30 }),
    setupImages: new SetupImages({ labels }),
    ...options,
  });
  const request = { title: "Add quadruple", body: "", settings: { ...DEFAULT_SETTINGS, ...settings } };
  return settled(await bot.start(issueRequest(request)), bot);
}

describe("a repository's setup in a GitHub job", () => {
  it("builds the image before distributing; the re-test and the repository's tests import what it installed", async () => {
    const api = pullRequestApi();
    captureComments();
    const worker = solver();
    const job = await runJob({ setup: [TINYPKG_INSTALL] }, worker);
    expect(job.stage, job.error).toBe("done");
    expect(worker.seen).toHaveLength(1);
    // The worker's repository names the image and carries the setup (swarm workers build the same image from it).
    expect(worker.repositories[0]).toMatchObject({
      image: expect.stringMatching(/^dellm-setup:[0-9a-f]{16}-[0-9a-f]{64}$/),
      setup: { commands: [TINYPKG_INSTALL], network: false },
    });
    // Passed by the bot's own re-test, in the derived image (the base image has no tinypkg).
    expect(job.files.map((f) => [f.path, f.passed])).toEqual([["quad.py", true]]);
    expect(job.repository_tests).toMatchObject({ status: "compared", regressions: [], passing: 1 });
    expect(job.notes.join("\n")).toMatch(/The tests ran in `dellm-setup:[0-9a-f]+…`, .* built for this job/);
    expect(String(api.created[0]!.body)).toContain("dellm-setup:");
  }, 180_000);

  it("without setup the same job fails its re-test as a missing dependency, named in the PR", async () => {
    const api = pullRequestApi();
    const comments = captureComments();
    const job = await runJob({}, solver());
    expect(job.stage, job.error).toBe("done");
    expect(job.files.map((f) => [f.path, f.passed, f.verdict])).toEqual([["quad.py", false, "missing_dependency"]]);
    const body = String(api.created[0]!.body);
    expect(body).toContain("❌ missing dependency");
    expect(body).toContain("missing dependency tinypkg: add it to setup in .github/dellm.yml");
    expect(comments.bodies.at(-1)).toContain("`quad.py` (missing dependency: add it to setup in .github/dellm.yml)");
  }, 180_000);

  it("stops before planning when the setup fails, with its log on the issue", async () => {
    pullRequestApi();
    const comments = captureComments();
    const worker = solver();
    const job = await runJob({ setup: ["echo 'installing <b>deps</b> ```'", "exit 3"] }, worker);
    expect(job.stage).toBe("failed");
    expect(job.failed_in).toBe("planning");
    expect(worker.seen).toHaveLength(0);
    expect(job.tasks).toHaveLength(0); // no planner call spent on a repository whose setup fails
    expect(job.error).toMatch(
      /the repository's `setup` in \.github\/dellm\.yml failed: setup failed with exit status 3/,
    );
    const failure = comments.bodies.find((b) => b.includes("failed while planning"))!;
    expect(failure).toContain("comment `/dellm retry`");
    expect(failure).toMatch(/The setup's log:\n\n````\n/); // a fence longer than the log's own backticks
    expect(failure).toContain("$ exit 3");
    // Inside the fence (GitHub renders no HTML there); the log's own ``` cannot close it early.
    expect(failure).toContain("installing <b>deps</b> ```\n$ exit 3\n````");
  }, 120_000);

  it("refuses a setup that needs the network when the bot's operator does not allow it (DELLM_SETUP_NETWORK=false)", async () => {
    pullRequestApi();
    const comments = captureComments();
    const images = new SetupImages({ labels });
    const job = await runJob({ setup: ["pip install -r requirements.txt"], setup_network: true }, solver(), {
      setupNetwork: false,
      setupImages: images,
    });
    expect(job).toMatchObject({ stage: "failed", failed_in: "planning" });
    expect(images.builds).toBe(0);
    const failure = comments.bodies.find((b) => b.includes("failed while planning"))!;
    expect(failure).toContain("does not let setup commands reach the network (DELLM_SETUP_NETWORK=false)");
    expect(failure).toContain("set setup_network: false");
  }, 60_000);
});
