// The job store on disk: what is saved comes back, the latest job of an issue (or its PR) is
// found, and a damaged file is named rather than skipped.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "./app-settings.js";
import { GitHubJobStore, type GitHubJob } from "./job-store.js";

const job = (id: string, issue: number, created: number, over: Partial<GitHubJob> = {}): GitHubJob => ({
  id,
  owner: "octo",
  repo: "demo",
  installation_id: 1,
  issue_number: issue,
  title: "t",
  body: "",
  requested_by: "alice",
  settings: DEFAULT_SETTINGS,
  stage: "done",
  tasks: [],
  results: [],
  branch: `dellm/issue-${issue}`,
  files: [],
  notes: [],
  created_at: created,
  updated_at: created,
  ...over,
});

describe("GitHub job store", () => {
  it("keeps every job across instances and finds an issue's latest, also by its pull request", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-store-"));
    const store = new GitHubJobStore(dir);
    await Promise.all([
      store.save(job("job-aaaaaa", 7, 1, { pr_number: 12 })),
      store.save(job("job-bbbbbb", 8, 2)),
      store.save(job("job-cccccc", 7, 3, { stage: "distributing" })),
    ]);
    const again = new GitHubJobStore(dir);
    expect((await again.all()).map((j) => j.id)).toEqual(["job-aaaaaa", "job-bbbbbb", "job-cccccc"]);
    expect((await again.latestFor("octo", "demo", 7))?.id).toBe("job-cccccc");
    expect((await again.latestFor("octo", "demo", 12))?.id).toBe("job-cccccc");
    expect(await again.latestFor("octo", "other", 7)).toBeUndefined();
  });

  it("reads a job saved before the planner's model was recorded, and keeps the model of one saved after", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-store-"));
    // A file as an older bot wrote it: no planner_model field.
    await writeFile(join(dir, "job-olderr.json"), JSON.stringify(job("job-olderr", 7, 1)));
    await new GitHubJobStore(dir).save(job("job-newerr", 8, 2, { planner_model: "claude-sonnet-4-6" }));
    const jobs = await new GitHubJobStore(dir).all();
    expect(jobs.map((j) => [j.id, j.planner_model])).toEqual([
      ["job-olderr", undefined],
      ["job-newerr", "claude-sonnet-4-6"],
    ]);
  });

  it("names a damaged job file and how to get past it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-store-"));
    await writeFile(join(dir, "job-broken1.json"), JSON.stringify({ id: "job-broken1" }));
    await expect(new GitHubJobStore(dir).all()).rejects.toThrow(
      /job file .*job-broken1\.json is damaged .*move it aside and restart/s,
    );
  });
});
