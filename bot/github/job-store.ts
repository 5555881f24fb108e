// The GitHub App's jobs in the bot's state database (the `jobs` table, bot/state/database.ts): each
// job's record as JSON beside the columns its look-ups need, saved after every step, so a restarted
// bot knows what each issue asked, how far it got and what came back. A save is on disk when it
// returns (one commit, the WAL synced: synchronous=FULL). Job files of older bots: job-import.ts.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { z } from "zod";
import { JobIdSchema, LIMITS, type JobId } from "../../shared/schemas.js";
import { openStateDatabase } from "../state/database.js";
import { JobRecordSchema } from "../engine/job-record.js";
import { MAX_QUESTION_CHARS, MAX_QUESTIONS } from "../pipeline/planner.js";

/** The longest `/dellm <instruction>` taken; a longer one is refused with this number. */
export const MAX_INSTRUCTION_CHARS = 4_000;

/** The most `/dellm` review comments one follow-up takes; the rest are answered and not planned. */
export const MAX_REVIEW_COMMENTS = 20;

/** A `/dellm` review comment on the job's PR: where it points and what it asks (its text after `/dellm`). */
export const ReviewCommentRecordSchema = z.object({
  /** The comment; replies go to `in_reply_to` when it was itself a reply (GitHub threads have one level). */
  id: z.number().int().positive(),
  in_reply_to: z.number().int().positive().optional(),
  path: z.string().min(1).max(LIMITS.pathChars),
  line: z.number().int().positive().optional(),
  start_line: z.number().int().positive().optional(),
  /** LEFT: the lines as the base had them (deleted or changed by the PR); absent or RIGHT: the PR's. */
  side: z.enum(["LEFT", "RIGHT"]).optional(),
  body: z.string().min(1).max(MAX_INSTRUCTION_CHARS),
});
export type ReviewCommentRecord = z.infer<typeof ReviewCommentRecordSchema>;

/** Rounds of questions one job asks at most; after the last answer it plans with what it has. */
export const MAX_QUESTION_ROUNDS = 2;
/** The longest answer kept (the reply is untrusted text): longer ones are cut before the planner or a log sees them. */
export const MAX_ANSWER_CHARS = 8_000;

/** One round of clarifying questions (issue 24): what was asked, when, and the reply that answered it. */
export const QuestionRoundSchema = z.object({
  questions: z.array(z.string().min(1).max(MAX_QUESTION_CHARS)).min(1).max(MAX_QUESTIONS),
  /** When the questions were posted (seconds since the epoch); the wait is bounded from here. */
  asked_at: z.number(),
  /** The issue comment that asked them. */
  comment_id: z.number().int().positive().optional(),
  /** Why they were asked: the planner found the issue too vague, or its plans were refused (with the reasons). */
  reason: z.string().max(2_000).optional(),
  /** The reply that answered them (absent while the job waits). */
  answer: z
    .object({
      by: z.string().min(1),
      body: z.string().max(MAX_ANSWER_CHARS + 100),
      comment_id: z.number().int().positive().optional(),
      at: z.number(),
    })
    .optional(),
});
export type QuestionRound = z.infer<typeof QuestionRoundSchema>;

/** The engine's record (bot/engine/job-record.ts) and who asked where. */
export const GitHubJobSchema = JobRecordSchema.extend({
  /** The job whose failed and missing tasks this one re-runs. */
  retry_of: JobIdSchema.optional(),
  owner: z.string().min(1),
  repo: z.string().min(1),
  installation_id: z.number().int().positive(),
  issue_number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  requested_by: z.string(),
  /** Who opened the issue (they may answer the planner's questions); absent in jobs saved before it was recorded. */
  issue_author: z.string().optional(),
  pr_number: z.number().int().positive().optional(),
  pr_url: z.string().optional(),
  /** The issue comment that shows this job's progress. */
  comment_id: z.number().int().positive().optional(),
  /** The job's `dellm` check run and the commit it is on: a restarted bot goes on updating it. */
  check_run: z.object({ id: z.number().int().positive(), head_sha: z.string().min(1) }).optional(),
  /** Who stopped the job with `/dellm stop` (it is then failed, its results kept for `/dellm retry`). */
  stopped_by: z.string().optional(),
  /**
   * A follow-up (`/dellm <instruction>` on the issue or its PR): new tasks planned from the
   * instruction, written as one more commit on the same branch and PR.
   */
  follow_up: z
    .object({
      instruction: z.string().min(1).max(MAX_INSTRUCTION_CHARS),
      by: z.string().min(1),
      /** The review's `/dellm` comments it answers (bot/github/review-comments.ts), each replied to in its thread. */
      review_comments: z.array(ReviewCommentRecordSchema).max(MAX_REVIEW_COMMENTS).optional(),
    })
    .optional(),
  /** Clarifying questions asked on the issue and their answers, oldest first (issue 24). */
  questions: z.array(QuestionRoundSchema).max(MAX_QUESTION_ROUNDS).optional(),
});
export type GitHubJob = z.infer<typeof GitHubJobSchema>;

export interface GitHubJobStoreOptions {
  /** The clock that stamps `updated_at` (ms). */
  now?: () => number;
}

const COLUMNS = "id, owner, repo, issue_number, pr_number, stage, created_at, updated_at, record";
const UPSERT = `INSERT INTO jobs (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, repo = excluded.repo, issue_number = excluded.issue_number,
    pr_number = excluded.pr_number, stage = excluded.stage, created_at = excluded.created_at,
    updated_at = excluded.updated_at, record = excluded.record`;
// Oldest first; rowid breaks ties in the order jobs were first saved (an update keeps its row).
const ORDER = "ORDER BY created_at, rowid";

export class GitHubJobStore {
  private readonly now: () => number;
  private readonly statements = new Map<string, StatementSync>();

  constructor(
    private readonly db: DatabaseSync,
    options: GitHubJobStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The store (or a subclass) in the state database at `path` (stateDatabasePath), opening it. */
  static async open<T extends GitHubJobStore>(
    this: new (db: DatabaseSync, options?: GitHubJobStoreOptions) => T,
    path: string,
    options: GitHubJobStoreOptions = {},
  ): Promise<T> {
    return new this(await openStateDatabase(path), options);
  }

  /** Save a copy of the job, stamped with the time; it is on disk when this returns. */
  async save(job: GitHubJob): Promise<void> {
    this.write(UPSERT, { ...job, updated_at: this.now() / 1000 });
  }

  /**
   * Write jobs read elsewhere (an older bot's files) in one transaction, as they are: a stored job
   * updated since is kept, so importing the same files twice changes nothing. Returns how many were written.
   */
  importJobs(jobs: GitHubJob[]): number {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      let written = 0;
      for (const job of jobs)
        written += Number(this.write(`${UPSERT} WHERE excluded.updated_at > jobs.updated_at`, job));
      this.db.exec("COMMIT");
      return written;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  async get(id: JobId): Promise<GitHubJob | undefined> {
    return this.read("SELECT id, record FROM jobs WHERE id = ?", id)[0];
  }

  /** Every saved job, oldest first (copies: changing one changes nothing here). */
  async all(): Promise<GitHubJob[]> {
    return this.read(`SELECT id, record FROM jobs ${ORDER}`);
  }

  /** The jobs neither done nor failed (queued, running or waiting for answers), oldest first. */
  async active(): Promise<GitHubJob[]> {
    // The same condition as the jobs_active index's, so that index answers it.
    return this.read(`SELECT id, record FROM jobs WHERE stage NOT IN ('done', 'failed') ${ORDER}`);
  }

  /**
   * The issue's job that is neither done nor failed, if any (owner and repository matched without
   * case, as GitHub names them): only its record is read, whatever else is active (a burst's).
   */
  async activeFor(owner: string, repo: string, issueNumber: number): Promise<GitHubJob | undefined> {
    return this.read(
      `SELECT id, record FROM jobs WHERE stage NOT IN ('done', 'failed') AND issue_number = ?
        AND owner = ? COLLATE NOCASE AND repo = ? COLLATE NOCASE ${ORDER} LIMIT 1`,
      issueNumber,
      owner,
      repo,
    )[0];
  }

  /** The newest job for an issue, or for the issue whose pull request this is. */
  async latestFor(owner: string, repo: string, number: number): Promise<GitHubJob | undefined> {
    const pull = this.statement(
      `SELECT issue_number FROM jobs WHERE owner = ? AND repo = ? AND pr_number = ? ${ORDER} LIMIT 1`,
    ).get(owner, repo, number) as { issue_number: number } | undefined;
    const issue = pull?.issue_number ?? number;
    return this.read(
      "SELECT id, record FROM jobs WHERE owner = ? AND repo = ? AND issue_number = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
      owner,
      repo,
      issue,
    )[0];
  }

  /**
   * Hold a follow-up request until the issue's running job ends (kept across restarts); returns how
   * many are held for the issue now, this one included.
   */
  holdFollowUp(owner: string, repo: string, issueNumber: number, request: unknown): number {
    this.statement(
      "INSERT INTO held_follow_ups (owner, repo, issue_number, request, received_at) VALUES (?, ?, ?, ?, ?)",
    ).run(owner, repo, issueNumber, JSON.stringify(request), this.now() / 1000);
    return this.heldCount(owner, repo, issueNumber);
  }

  /** The oldest follow-up held for the issue, taken off the list; undefined when none is held. */
  takeHeldFollowUp(owner: string, repo: string, issueNumber: number): unknown {
    const row = this.statement(
      "SELECT id, request FROM held_follow_ups WHERE owner = ? AND repo = ? AND issue_number = ? ORDER BY id LIMIT 1",
    ).get(owner, repo, issueNumber) as { id: number; request: string } | undefined;
    if (!row) return undefined;
    this.statement("DELETE FROM held_follow_ups WHERE id = ?").run(row.id);
    return JSON.parse(row.request) as unknown;
  }

  /** Drop the follow-ups held for the issue (`/dellm stop`); returns how many there were. */
  dropHeldFollowUps(owner: string, repo: string, issueNumber: number): number {
    return Number(
      this.statement("DELETE FROM held_follow_ups WHERE owner = ? AND repo = ? AND issue_number = ?").run(
        owner,
        repo,
        issueNumber,
      ).changes,
    );
  }

  /** The issues with follow-ups held (a restarted bot starts them once their issue is free). */
  heldFollowUpIssues(): { owner: string; repo: string; issue_number: number }[] {
    return this.statement(
      "SELECT DISTINCT owner, repo, issue_number FROM held_follow_ups ORDER BY owner, repo, issue_number",
    ).all() as { owner: string; repo: string; issue_number: number }[];
  }

  private heldCount(owner: string, repo: string, issueNumber: number): number {
    return Number(
      (
        this.statement(
          "SELECT COUNT(*) AS n FROM held_follow_ups WHERE owner = ? AND repo = ? AND issue_number = ?",
        ).get(owner, repo, issueNumber) as { n: number }
      ).n,
    );
  }

  private write(sql: string, job: GitHubJob): number | bigint {
    const { id, owner, repo, issue_number, pr_number, stage, created_at, updated_at } = job;
    return this.statement(sql).run(
      id,
      owner,
      repo,
      issue_number,
      pr_number ?? null,
      stage,
      created_at,
      updated_at,
      JSON.stringify(job),
    ).changes;
  }

  /** Each record is checked against the schema; a damaged one is an error naming the job and the fix. */
  private read(sql: string, ...params: (string | number)[]): GitHubJob[] {
    const rows = this.statement(sql).all(...params) as { id: string; record: string }[];
    return rows.map(({ id, record }) => {
      const damaged = (detail: string, cause?: unknown) =>
        new Error(
          `job ${id} in the state database is damaged (${detail}); delete it (sqlite3 <DELLM_STATE_DIR>/dellm.db "DELETE FROM jobs WHERE id = '${id}'") and restart`,
          { cause },
        );
      let raw: unknown;
      try {
        raw = JSON.parse(record);
      } catch (error) {
        throw damaged(`not JSON: ${(error as Error).message}`, error);
      }
      const parsed = GitHubJobSchema.safeParse(raw);
      if (!parsed.success) throw damaged(z.prettifyError(parsed.error));
      return parsed.data;
    });
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }
}
