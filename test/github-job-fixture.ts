// A small valid GitHub App job for tests of the job store, its import and pruning, and the tasks and
// file-table rows jobs are made of.
import { DEFAULT_SETTINGS } from "../bot/github/app-settings.js";
import type { FileReport } from "../bot/engine/job-record.js";
import type { GitHubJob } from "../bot/github/job-store.js";
import type { Task } from "../shared/schemas.js";

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

/** Task `id` writing `file` in `directory`. */
export function jobTask(id: number, file: string, directory = "app/", description = `write ${file}`): Task {
  return { id, description, file, dependencies: [], input_output_spec: "", directory, context: "" };
}

/** A passing row of a job's file table: task `taskId` modified `path`, as in-process worker local-1. */
export function fileReport(taskId: number, path: string, over: Partial<FileReport> = {}): FileReport {
  return {
    task_id: taskId,
    path,
    worker: "local-1",
    tests_passed: 1,
    tests_failed: 0,
    attempts: 1,
    change: "modified",
    passed: true,
    ...over,
  };
}
