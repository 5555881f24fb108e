// A small valid GitHub App job for tests of the job store, its import and pruning.
import { DEFAULT_SETTINGS } from "../bot/github/app-settings.js";
import type { GitHubJob } from "../bot/github/job-store.js";

/** Job `id` for issue `issue` of octo/demo, created (and last updated) at `created` seconds; done unless `over` says. */
export function githubJob(id: string, issue: number, created: number, over: Partial<GitHubJob> = {}): GitHubJob {
  return {
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
  };
}
