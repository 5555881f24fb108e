// The issue's last word on a finished job: the pull request, the files that failed and why, and
// whether the PR is a draft because the repository's own tests regressed, naming them by test id.
// Test ids come from the repository's code (untrusted): each is a code span, and only the first
// few are named, so a suite that broke wholesale cannot flood the issue.
import { repositoryRegressed } from "../pipeline/repository-check.js";
import type { GitHubJob } from "./job-store.js";
import { codeSpanCell, markdownInline } from "./markdown-text.js";
import { CLOSED_MEANWHILE } from "./pull-request-state.js";

/** Regressed tests named on the issue; the PR body lists more, with their logs. */
export const MAX_NAMED_TESTS = 10;

export function finalCommentBody(job: GitHubJob): string {
  const failed = job.files.filter((f) => !f.passed);
  const files = failed.length
    ? `dellm finished job \`${job.id}\` with problems: ${failed.map((f) => `${codeSpanCell(f.path)} (${problem(f)})`).join(", ")}. The pull request ${job.pr_url} shows the logs; comment \`/dellm retry\` to re-run only those tasks.`
    : `dellm finished job \`${job.id}\`: ${job.pr_url} has ${job.files.length} files, all passing their tests.`;
  const draft = draftSentence(job);
  const said = [followUpSentence(job), files, draft].filter(Boolean);
  return said.join("\n\n");
}

/** What a follow-up changed: its commit and the files its tasks wrote. */
function followUpSentence(job: GitHubJob): string | undefined {
  if (!job.follow_up) return undefined;
  const mine = new Set(job.rerun ?? []);
  const changed = job.files
    .filter((f) => mine.has(f.task_id) && f.change !== "not written")
    .map((f) => codeSpanCell(f.path));
  const instruction = markdownInline(job.follow_up.instruction.split("\n")[0]!.slice(0, 200));
  // The pull request merged or closed while the follow-up ran (jobs.ts notes it): said here too.
  const meanwhile = job.notes.find((note) => note.startsWith(CLOSED_MEANWHILE));
  return `Follow-up of @${job.follow_up.by} ("${instruction}"): ${changed.length ? `commit ${job.commit?.slice(0, 12) ?? "(none)"} changes ${changed.join(", ")}` : "no file could be written, so no commit was added"} on ${job.pr_url}.${meanwhile ? ` ${meanwhile}` : ""}`;
}

function problem(file: GitHubJob["files"][number]): string {
  if (file.change === "not written") return markdownInline(file.reason ?? "");
  if (file.verdict === "missing_dependency") return "missing dependency: add it to setup in .github/dellm.yml";
  return "tests failed";
}

/** Why the PR is a draft (it is opened as one exactly when repositoryRegressed says so); undefined when it is not. */
function draftSentence(job: GitHubJob): string | undefined {
  const report = job.repository_tests;
  if (!report || !repositoryRegressed(report)) return undefined;
  const ids = report.regressions.map((r) => r.id);
  if (ids.length === 0) {
    // Regressed without a named test: the run on the branch gave no verdict where the base's did.
    const why = markdownInline((report.after_broken ?? "").split("\n")[0]!);
    return `The pull request is a **draft**: the repository's own tests gave no verdict on its branch${why ? ` (${why})` : ""}, though they did on the base branch. It stays a draft until they pass again.`;
  }
  const named = ids.slice(0, MAX_NAMED_TESTS).map((id) => codeSpanCell(id));
  const more = ids.length > MAX_NAMED_TESTS ? ` and ${ids.length - MAX_NAMED_TESTS} more` : "";
  const count = ids.length === 1 ? "1 of the repository's own tests" : `${ids.length} of the repository's own tests`;
  return `The pull request is a **draft**: ${count} regressed (failing on its branch, not on the base branch): ${named.join(", ")}${more}. It stays a draft until they pass again; its description has their logs.`;
}
