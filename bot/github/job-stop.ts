// `/dellm stop`: what the stopped job's record says, and the comment that tells the issue which
// tasks had finished (their results stay in the record) and that `/dellm retry` continues.
import type { GitHubJob } from "./job-store.js";
import { codeSpanCell } from "./markdown-text.js";
import { stageWords } from "./job-comment.js";

/** Marks the job stopped by `by`: failed where it stood, so a retry keeps its passing work. */
export function markStopped(job: GitHubJob, by: string): void {
  if (job.stage !== "failed") job.failed_in = job.stage;
  job.stage = "failed";
  job.stopped_by = by;
  job.error = `stopped by @${by} with \`/dellm stop\`${job.failed_in === "queued" ? " before it started" : ""}`;
}

/** The issue comment after a stop. */
export function stopReport(job: GitHubJob): string {
  const by = `@${job.stopped_by ?? "someone"}`;
  if (job.failed_in === "queued")
    return `dellm took job \`${job.id}\` off the queue at ${by}'s request; none of it had run. Comment \`/dellm retry\` to queue it again.`;
  const head = `dellm stopped job \`${job.id}\` while ${stageWords(job.failed_in, "running")}, at ${by}'s request.`;
  if (job.tasks.length === 0)
    return `${head} It had no plan yet, so nothing had finished. Comment \`/dellm retry\` to start it again.`;
  const results = new Map(job.results.map((r) => [r.task_id, r] as const));
  const name = (t: GitHubJob["tasks"][number]) => `task ${t.id} ${codeSpanCell(`${t.directory}${t.file}`)}`;
  const finished = job.tasks.filter((t) => results.has(t.id));
  const open = job.tasks.filter((t) => !results.has(t.id));
  const lines = [head, ""];
  lines.push(
    finished.length
      ? `Finished before the stop (kept in the job): ${finished.map((t) => `${name(t)} (${results.get(t.id)!.test_passed ? "passed its tests" : "failed its tests"})`).join(", ")}.`
      : "No task had finished.",
  );
  if (open.length) lines.push(`Not finished: ${open.map(name).join(", ")}.`);
  lines.push("", "Comment `/dellm retry` to continue: the passing tasks are kept and only the others run again.");
  return lines.join("\n");
}
