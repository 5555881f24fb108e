// The bot's embedded database: one SQLite file under DELLM_STATE_DIR (`dellm.db`), WAL journal,
// schema changes as numbered migrations (PRAGMA user_version). Through Node's own `node:sqlite`
// (no native add-on to build: better-sqlite3 would compile from source on every machine without
// prebuilt binaries). Volunteers' standing, webhook deliveries, the App's jobs and the swarm
// coordinator's boards (claims, leases, results) live here (issue 23).
import { chmod, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { DatabaseSync } from "node:sqlite";

type Sqlite = typeof import("node:sqlite"); // eslint-disable-line @typescript-eslint/consistent-type-imports -- the module is loaded lazily, its warning muted

/** One schema change; index + 1 is the user_version it brings the file to. Never edit a released one. */
export type Migration = (db: DatabaseSync) => void;

const MIGRATIONS: Migration[] = [
  // 1: volunteers' standing (issue 22).
  (db) =>
    db.exec(`
      CREATE TABLE peers (
        peer TEXT PRIMARY KEY,
        host TEXT,
        results INTEGER NOT NULL DEFAULT 0,
        checked INTEGER NOT NULL DEFAULT 0,
        failed_checks INTEGER NOT NULL DEFAULT 0,
        overruled INTEGER NOT NULL DEFAULT 0,
        leases_lapsed INTEGER NOT NULL DEFAULT 0,
        verified_tokens INTEGER NOT NULL DEFAULT 0,
        tests_run INTEGER NOT NULL DEFAULT 0,
        standing TEXT NOT NULL DEFAULT 'auto' CHECK (standing IN ('auto', 'trusted', 'blocked')),
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      )`),
  // 2: webhook deliveries handled, so a redelivered one is not a second job (issue 23).
  (db) =>
    db.exec(`
      CREATE TABLE deliveries (id TEXT PRIMARY KEY, event TEXT NOT NULL, received_at INTEGER NOT NULL);
      CREATE INDEX deliveries_by_time ON deliveries (received_at)`),
  // 3: the App's jobs (issue 23): each record as JSON (checked with GitHubJobSchema when read) beside
  // the columns the store looks jobs up by; times in seconds, as in the record.
  (db) =>
    db.exec(`
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        repo TEXT NOT NULL,
        issue_number INTEGER NOT NULL,
        pr_number INTEGER,
        stage TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX jobs_by_issue ON jobs (owner, repo, issue_number, created_at);
      CREATE INDEX jobs_by_pull_request ON jobs (owner, repo, pr_number) WHERE pr_number IS NOT NULL;
      CREATE INDEX jobs_active ON jobs (created_at) WHERE stage NOT IN ('done', 'failed');
      CREATE INDEX jobs_finished ON jobs (updated_at) WHERE stage IN ('done', 'failed')`),
  // 4: follow-ups asked for while a job ran on the same issue, held until it ends (issue 24).
  (db) =>
    db.exec(`
      CREATE TABLE held_follow_ups (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        repo TEXT NOT NULL,
        issue_number INTEGER NOT NULL,
        request TEXT NOT NULL,
        received_at REAL NOT NULL
      );
      CREATE INDEX held_follow_ups_by_issue ON held_follow_ups (owner, repo, issue_number, id)`),
  // 5: the swarm coordinator's boards (issue 23), one row per open job: its JobBoardSnapshot as JSON
  // (checked with JobBoardSnapshotSchema when read); `position` keeps the boards' order (claims are
  // served from the first job on), `updated_at` in seconds. A job taken off the board is deleted.
  (db) =>
    db.exec(`
      CREATE TABLE coordinator_jobs (
        job_id TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        snapshot TEXT NOT NULL,
        updated_at REAL NOT NULL
      )`),
];

/** Where the bot's database lives in its state folder. */
export function stateDatabasePath(stateDir: string): string {
  return join(stateDir, "dellm.db");
}

let sqlite: Sqlite | undefined;

/** node:sqlite, loaded once; its "experimental" warning (Node 22) is not the user's concern. */
async function loadSqlite(): Promise<Sqlite> {
  if (sqlite) return sqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (/SQLite is an experimental feature/.test(String(warning))) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    sqlite = await import("node:sqlite");
  } finally {
    process.emitWarning = emitWarning;
  }
  return sqlite;
}

/** Opens (creating) the database at `path` and brings its schema up to date. ":memory:" for tests. */
export async function openStateDatabase(path: string): Promise<DatabaseSync> {
  const { DatabaseSync } = await loadSqlite();
  if (path !== ":memory:") await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw new Error(`the state database ${path} cannot be opened (${(error as Error).message})`, { cause: error });
  }
  try {
    // synchronous=FULL, not NORMAL: in WAL mode NORMAL survives the process being killed but a power
    // loss or OS crash may undo the last commits, and a job, a delivery id or a volunteer's standing
    // acknowledged is never to be lost (the job files before this were fsynced too). FULL syncs the
    // WAL at each commit: a 60 KB job's save took 0.4 ms (median) against 0.25 ms with NORMAL on the
    // 2-core test machine's disk (bench/job-store.ts).
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    const { user_version: version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
    if (version > MIGRATIONS.length)
      throw new Error(
        `the state database ${path} was written by a newer dellm (schema ${version}, this one knows ${MIGRATIONS.length}); upgrade dellm`,
      );
    for (let next = version; next < MIGRATIONS.length; next++) {
      db.exec("BEGIN IMMEDIATE");
      try {
        MIGRATIONS[next]!(db);
        db.exec(`PRAGMA user_version = ${next + 1}`);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    }
  } catch (error) {
    db.close();
    throw error;
  }
  if (path !== ":memory:") await chmod(path, 0o600);
  return db;
}
