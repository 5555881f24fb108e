// One scripted job through both ways in (issue 23): `dellm run` (runJob) and the GitHub App
// (GitHubJobs, GitHub's API at the HTTP boundary through nock) run the same engine, so they go
// through the same stages, write the same files and give each the same verdict. The job breaks the
// repository's own test tests/test_models.py; both name the regression by its test id. Real git,
// real Docker sandbox, the real worker executor with a scripted model.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import { DockerSandbox } from "../../shared/sandbox/docker-sandbox.js";
import { issueRequest, jobsFixture, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { TaskExecutor } from "../../worker/executor.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { DEFAULT_SETTINGS } from "../github/app-settings.js";
import { GitHubJobStore, type GitHubJob } from "../github/job-store.js";
import { inProcessWorkers } from "../pipeline/in-process-workers.js";
import { Planner } from "../pipeline/planner.js";
import { DISCOUNT_BREAKING, DISCOUNT_REPOSITORY, DISCOUNT_TASK } from "../../test/discount-job.js";
import { LocalJobSchema, runJob } from "../pipeline/run-job.js";
import type { FileReport, JobStage } from "./job-record.js";

const PLAN = JSON.stringify([
  DISCOUNT_TASK,
  {
    id: 2,
    description: "A discount(price) helper",
    file: "discount.py",
    dependencies: [],
    input_output_spec: "",
    directory: "shop/",
    context: "",
  },
]);
const DISCOUNT =
  "def discount(price):\n    return price * 0.9\n\n\ndef test_discount():\n    assert discount(10) == 9\n";
const QUERY = "Apply a 10% discount in total()";

const fixture = jobsFixture({
  prefix: "dellm-one-engine-",
  files: DISCOUNT_REPOSITORY,
});

/** The same scripted model, worker and sandbox for either way in. */
function parts() {
  const model = new ScriptedCodeModel([
    { kind: "decompose", reply: PLAN },
    { kind: "can-solve", reply: "yes" },
    { kind: ["code", "repair"], file: "shop/discount.py", reply: DISCOUNT },
    { kind: ["code", "repair"], reply: DISCOUNT_BREAKING },
    { kind: "summary", reply: "Applied the discount." },
  ]);
  const sandbox = new DockerSandbox({ timeoutSeconds: 30 });
  const executor = new TaskExecutor({ model, sandbox, workerId: "local-1", repairAttempts: 0 });
  return { model, sandbox, planner: new Planner(model), distribution: inProcessWorkers([executor]) };
}

/** Each stage once per entry (saves within a stage repeat it). */
function entered(stages: JobStage[]): JobStage[] {
  return stages.filter((stage, i) => stage !== stages[i - 1]);
}

/** What a file's row says, without what differs by who ran it (log text, the check's reason). */
function verdicts(files: FileReport[]) {
  return files.map((f) => ({
    path: f.path,
    change: f.change,
    passed: f.passed,
    tests_passed: f.tests_passed,
    tests_failed: f.tests_failed,
    lines_changed: f.lines_changed,
    failing_tests: f.failing_tests,
    repository_tests: f.repository_tests,
    reason: f.reason,
  }));
}

describe("one engine for dellm run and the GitHub App", () => {
  it("runs the same scripted job through the same stages to the same files and verdicts, naming the regression in both", async () => {
    // dellm run, on a working copy of the very commit the App's remote holds.
    const cli = parts();
    const cliStages: JobStage[] = [];
    const local = await runJob({
      query: QUERY,
      repoPath: join(fixture.dir, "seed"),
      planner: cli.planner,
      distribution: cli.distribution,
      verifier: cli.sandbox,
      logDir: join(fixture.dir, "cli-jobs"),
      onEvent: (event) => {
        if (event.kind === "stage") cliStages.push(event.stage);
      },
    });

    // The App, from a labelled issue with the same title.
    const app = parts();
    const api = pullRequestApi();
    const comments = captureComments();
    const store = await GitHubJobStore.open(join(fixture.dir, "app.db"));
    const appStages: JobStage[] = [];
    const save = store.save.bind(store);
    store.save = async (job: GitHubJob) => {
      appStages.push(job.stage);
      await save(job);
    };
    const bot = fixture.githubJobs({
      store,
      planner: async () => app.planner,
      distribution: app.distribution,
      verifier: app.sandbox,
    });
    const job = await settled(
      await bot.start(issueRequest({ title: QUERY, body: "", settings: DEFAULT_SETTINGS })),
      bot,
    );
    expect(job.stage, job.error).toBe("done");

    // The same stages: a repair round after the regression, which the same answer does not mend.
    const expected: JobStage[] = ["planning", "distributing", "merging", "distributing", "merging", "pushing", "done"];
    expect(entered(cliStages)).toEqual(expected);
    expect(entered(appStages)).toEqual(["queued", ...expected]);
    expect(local.job.repair_rounds).toBe(1);
    expect(job.repair_rounds).toBe(1);

    // The same files and verdicts.
    expect(verdicts(local.job.files)).toEqual(verdicts(job.files));
    expect(verdicts(job.files)).toEqual([
      expect.objectContaining({
        path: "shop/models.py",
        change: "modified",
        passed: false,
        lines_changed: 2,
        failing_tests: ["tests/test_models.py::test_total"],
        repository_tests: ["tests/test_models.py"],
      }),
      expect.objectContaining({
        path: "shop/discount.py",
        change: "created",
        passed: true,
        repository_tests: [],
      }),
    ]);
    expect(local.job.repository_tests?.regressions.map((r) => r.id)).toEqual(["tests/test_models.py::test_total"]);
    expect(job.repository_tests?.regressions.map((r) => r.id)).toEqual(["tests/test_models.py::test_total"]);
    // Both committed the same tree on the same base.
    expect(await treeOf(join(fixture.dir, "seed"), local.job.commit!)).toBe(await treeOf(fixture.remote, job.commit!));

    // The regression named by its test id in both reports.
    expect(local.summary).toContain(
      "1 REGRESSED (passed before the job, fail after it): tests/test_models.py::test_total",
    );
    expect(local.summary).toContain("- shop/models.py (FAILED tests - see ");
    expect(local.summary).toContain("edited (2 lines); failing: tests/test_models.py::test_total)");
    expect(local.summary).toContain("- shop/discount.py (passed tests, new file)");
    expect(local.passed).toBe(false);
    // dellm run's record is saved beside its logs, as the App's is in its database.
    const record = LocalJobSchema.parse(
      JSON.parse(await readFile(join(fixture.dir, "cli-jobs", local.job.id, "job.json"), "utf8")),
    );
    expect(record).toMatchObject({ stage: "done", commit: local.job.commit, repair_rounds: 1 });
    expect(verdicts(record.files)).toEqual(verdicts(job.files));
    const body = String(api.created[0]!.body);
    expect(api.created[0]!.draft).toBe(true);
    expect(body).toMatch(/Newly failing \(regressions\):\n- `tests\/test_models\.py::test_total`/);
    expect(comments.bodies.at(-1)).toContain("`tests/test_models.py::test_total`");
  }, 240_000);
});

async function treeOf(repo: string, commit: string): Promise<string> {
  return (await simpleGit(repo).raw(["rev-parse", `${commit}^{tree}`])).trim();
}
