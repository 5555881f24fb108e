// A private repository's code is not sent to a third-party planner (Claude through Anthropic's API)
// unless the repository's owner allows it in .github/dellm.yml; a local planner, or a public
// repository, sees the files as before. Real git, in-process workers; GitHub's API is nock.
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CompletionOptions } from "../../shared/model/code-model.js";
import type { Prompt } from "../../shared/prompts.js";
import type { Task } from "../../shared/schemas.js";
import { bareRepository } from "../../test/git-fixtures.js";
import { gitDataApi } from "../../test/fake-git-data.js";
import { issueRequest, jobsFixture, jobTask, settled } from "../../test/github-jobs.js";
import { captureComments, pullRequestApi } from "../../test/github-webhooks.js";
import { ScriptedCodeModel } from "../../worker/model/scripted-code-model.js";
import { Planner, type PlannerModel } from "../pipeline/planner.js";
import { DEFAULT_SETTINGS, type AppSettings } from "./app-settings.js";
import { GitHubJobStore, type GitHubJob } from "./job-store.js";

const SECRET = "INTERNAL_PRICING_FORMULA = 0.731";
const plan: Task[] = [jobTask(1, "extra.py")];

// Each test makes its own remote and store.
const fixture = jobsFixture({ prefix: "dellm-private-planner-", files: null, store: false });

/** A planner model that says it is a third-party service (or not), recording what it is sent. */
function plannerModel(service: string | undefined): PlannerModel & { prompts: Prompt[] } {
  const scripted = new ScriptedCodeModel([
    { kind: "decompose", reply: [JSON.stringify(plan)] },
    { kind: "summary", reply: "Added extra." },
  ]);
  return {
    name: "planner-under-test",
    ...(service ? { service } : {}),
    prompts: scripted.prompts,
    complete: (prompt: Prompt, options?: CompletionOptions) => scripted.complete(prompt, options),
  };
}

async function runJob(
  model: PlannerModel,
  isPrivate: boolean,
  settings: Partial<AppSettings> = {},
): Promise<GitHubJob> {
  const remote = await bareRepository(await mkdtemp(join(fixture.dir, "repo-")), {
    "README.md": "# demo\n",
    "app/core.py": `${SECRET}\n`,
  });
  gitDataApi(remote);
  captureComments();
  pullRequestApi();
  const jobs = fixture.githubJobs({
    store: await GitHubJobStore.open(join(await mkdtemp(join(fixture.dir, "jobs-")), "dellm.db")),
    workDir: await mkdtemp(join(fixture.dir, "clones-")),
    planner: async () => new Planner(model, { retries: 1 }),
    remoteUrl: () => remote,
  });
  const request = issueRequest({
    title: "Add extra next to app/core.py",
    body: "Use the formula in app/core.py.",
    settings: { ...DEFAULT_SETTINGS, ...settings },
    private: isPrivate,
  });
  return settled(await jobs.start(request), jobs);
}

const decomposeText = (model: { prompts: Prompt[] }) => model.prompts.find((p) => p.kind === "decompose")!.text;

describe("a private repository and a third-party planner", () => {
  it("shows the planner the file list but no file's content, and says so with the setting that allows it", async () => {
    const model = plannerModel("Anthropic's API");
    const job = await runJob(model, true);
    expect(job.stage, job.error).toBe("done");
    const sent = decomposeText(model);
    expect(sent).toContain("app/core.py");
    expect(sent).not.toContain(SECRET);
    expect(job.notes.join("\n")).toMatch(
      /no file's content: this is a private repository\. Set `share_code_with_planner: true` in \.github\/dellm\.yml/,
    );
  }, 60_000);

  it("shows the files when the owner allows it, when the planner runs locally, and for a public repository", async () => {
    for (const [model, isPrivate, settings] of [
      [plannerModel("Anthropic's API"), true, { share_code_with_planner: true }],
      [plannerModel(undefined), true, {}],
      [plannerModel("Anthropic's API"), false, {}],
    ] as const) {
      const job = await runJob(model, isPrivate, settings);
      expect(job.stage, job.error).toBe("done");
      expect(decomposeText(model)).toContain(SECRET);
      expect(job.notes.join("\n")).not.toContain("share_code_with_planner");
    }
  }, 120_000);
});
