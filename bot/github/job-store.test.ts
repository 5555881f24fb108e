// The job store in a real SQLite file: what is saved comes back through a new connection the moment
// save returns, the latest job of an issue (or its PR) is found, the active jobs are listed through
// their index, and a damaged record is named with the fix rather than skipped.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { openStateDatabase } from "../state/database.js";
import { githubJob as job } from "../../test/github-job-fixture.js";
import { GitHubJobStore } from "./job-store.js";

const open: DatabaseSync[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) db.close();
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function database(): Promise<{ path: string; db: DatabaseSync }> {
  const dir = await mkdtemp(join(tmpdir(), "dellm-store-"));
  folders.push(dir);
  const path = join(dir, "dellm.db");
  const db = await openStateDatabase(path);
  open.push(db);
  return { path, db };
}

async function reopen(path: string): Promise<GitHubJobStore> {
  const db = await openStateDatabase(path);
  open.push(db);
  return new GitHubJobStore(db);
}

describe("GitHub job store", () => {
  it("keeps every job across connections and finds an issue's latest, also by its pull request", async () => {
    const { path, db } = await database();
    const store = new GitHubJobStore(db);
    await Promise.all([
      store.save(job("job-aaaaaa", 7, 1, { pr_number: 12 })),
      store.save(job("job-bbbbbb", 8, 2)),
      store.save(job("job-cccccc", 7, 3, { stage: "distributing" })),
      store.save(job("job-dddddd", 7, 4, { repo: "other" })),
    ]);
    await store.save(job("job-aaaaaa", 7, 1, { pr_number: 12, stage: "failed" })); // an update keeps its place
    const again = await reopen(path);
    expect((await again.all()).map((j) => [j.id, j.stage])).toEqual([
      ["job-aaaaaa", "failed"],
      ["job-bbbbbb", "done"],
      ["job-cccccc", "distributing"],
      ["job-dddddd", "done"],
    ]);
    expect((await again.latestFor("octo", "demo", 7))?.id).toBe("job-cccccc");
    expect((await again.latestFor("octo", "demo", 12))?.id).toBe("job-cccccc");
    expect((await again.latestFor("octo", "other", 7))?.id).toBe("job-dddddd");
    expect(await again.latestFor("octo", "other", 12)).toBeUndefined();
    expect(await again.latestFor("octo", "demo", 9)).toBeUndefined();
    expect((await again.get("job-bbbbbb"))?.issue_number).toBe(8);
    expect(await again.get("job-zzzzzz")).toBeUndefined();
  });

  it("has a save on disk when it returns, stamped with the time, and hands out copies", async () => {
    const { path, db } = await database();
    const store = new GitHubJobStore(db, { now: () => 5_000 });
    const saved = job("job-aaaaaa", 7, 1, { stage: "planning" });
    await store.save(saved);
    expect(saved.updated_at).toBe(1); // the caller's object is not changed
    // Another connection sees it at once: committed, in the WAL, which FULL syncs at each commit.
    const other = await reopen(path);
    expect(await other.get("job-aaaaaa")).toMatchObject({ stage: "planning", updated_at: 5 });
    expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(db.prepare("PRAGMA synchronous").get()).toEqual({ synchronous: 2 }); // FULL
    const copy = (await store.get("job-aaaaaa"))!;
    copy.notes.push("changed here");
    expect((await store.get("job-aaaaaa"))?.notes).toEqual([]);
  });

  it("lists the active jobs oldest first, and each look-up goes through its index", async () => {
    const { db } = await database();
    const store = new GitHubJobStore(db);
    await store.save(job("job-queued", 9, 5, { stage: "queued" }));
    await store.save(job("job-doneee", 8, 1));
    await store.save(job("job-runnin", 7, 2, { stage: "merging" }));
    await store.save(job("job-failed", 6, 3, { stage: "failed" }));
    expect((await store.active()).map((j) => j.id)).toEqual(["job-runnin", "job-queued"]);
    // One issue's active job, whatever else is active; GitHub's names match without case.
    expect((await store.activeFor("Octo", "DEMO", 7))?.id).toBe("job-runnin");
    expect(await store.activeFor("octo", "demo", 8)).toBeUndefined(); // done
    expect(await store.activeFor("octo", "other", 7)).toBeUndefined();
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join("; ");
    expect(plan("SELECT id FROM jobs WHERE stage NOT IN ('done', 'failed') ORDER BY created_at, rowid")).toMatch(
      /USING INDEX jobs_active/,
    );
    expect(plan("SELECT id FROM jobs WHERE owner = 'o' AND repo = 'r' AND pr_number = 1")).toMatch(
      /USING INDEX jobs_by_pull_request/,
    );
    expect(
      plan("SELECT id FROM jobs WHERE owner = 'o' AND repo = 'r' AND issue_number = 1 ORDER BY created_at DESC"),
    ).toMatch(/USING INDEX jobs_by_issue/);
    expect(plan("DELETE FROM jobs WHERE stage IN ('done', 'failed') AND updated_at < 1")).toMatch(
      /USING INDEX jobs_finished/,
    );
  });

  it("names a damaged record and how to get past it", async () => {
    const { db } = await database();
    const store = new GitHubJobStore(db);
    await store.save(job("job-broken", 7, 1));
    db.prepare("UPDATE jobs SET record = ? WHERE id = ?").run(JSON.stringify({ id: "job-broken" }), "job-broken");
    await expect(store.all()).rejects.toThrow(
      /job job-broken in the state database is damaged .*DELETE FROM jobs WHERE id = 'job-broken'.* and restart/s,
    );
    db.prepare("UPDATE jobs SET record = '{\"id\":' WHERE id = 'job-broken'").run();
    await expect(store.get("job-broken")).rejects.toThrow(/job job-broken .* is damaged \(not JSON: /);
  });
});
