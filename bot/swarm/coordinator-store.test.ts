// The coordinator's boards in the state database (issue 23): the whole set saved in one transaction
// (a job taken off the board loses its row), saves coalesced, a damaged row refused by name with its
// fix, and an older bot's coordinator.json imported once.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newJobId } from "../../shared/schemas.js";
import { taskFixture } from "../../test/fixtures.js";
import { openStateDatabase, stateDatabasePath } from "../state/database.js";
import { importCoordinatorFile } from "./coordinator-import.js";
import { CoordinatorStore } from "./coordinator-store.js";
import { JobBoard, type JobBoardSnapshot } from "./job-board.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dellm-coordinator-store-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function database(dir: string): Promise<DatabaseSync> {
  const db = await openStateDatabase(stateDatabasePath(dir));
  cleanups.push(() => db.close());
  return db;
}

function board(query = "a job"): JobBoardSnapshot {
  return JobBoard.withResults(newJobId(), query, [taskFixture(1), taskFixture(2)]).snapshot();
}

const rows = (db: DatabaseSync) =>
  db
    .prepare("SELECT job_id FROM coordinator_jobs ORDER BY position")
    .all()
    .map((row) => row.job_id);

describe("CoordinatorStore", () => {
  it("saves the whole set in order: a job no longer on the board loses its row", async () => {
    const db = await database(await stateDir());
    const store = new CoordinatorStore(db);
    const [a, b, c] = [board("a"), board("b"), board("c")];
    expect(store.isEmpty()).toBe(true);
    await store.save([a, b, c]);
    expect(rows(db)).toEqual([a.job_id, b.job_id, c.job_id]);
    await store.save([a, c]);
    expect(rows(db)).toEqual([a.job_id, c.job_id]);
    expect(new CoordinatorStore(db).load()).toEqual([a, c]);
    await store.save([]);
    expect(store.isEmpty()).toBe(true);
  });

  it("coalesces saves made together into one transaction, and the latest state lands", async () => {
    const db = await database(await stateDir());
    const store = new CoordinatorStore(db);
    const exec = vi.spyOn(db, "exec");
    const [a, b] = [board("a"), board("b")];
    const saves = [store.save([a]), store.save([a, b]), store.save([b])];
    await Promise.all(saves);
    expect(exec.mock.calls.filter(([sql]) => sql === "BEGIN IMMEDIATE")).toHaveLength(1);
    expect(store.load()).toEqual([b]);
  });

  it("still saves after a save failed", async () => {
    const db = await database(await stateDir());
    const store = new CoordinatorStore(db);
    const a = board("a");
    const exec = vi.spyOn(db, "exec").mockImplementationOnce(() => {
      throw new Error("disk I/O error");
    });
    await expect(store.save([a])).rejects.toThrow(/disk I\/O error/);
    exec.mockRestore();
    await store.save([a]);
    expect(store.load()).toEqual([a]);
  });

  it("refuses a damaged row, naming the job, the database and the fix, and leaves it as it is", async () => {
    const dir = await stateDir();
    const db = await database(dir);
    const store = new CoordinatorStore(db);
    const [a, b] = [board("a"), board("b")];
    await store.save([a, b]);
    db.prepare("UPDATE coordinator_jobs SET snapshot = ? WHERE job_id = ?").run('{"job_id":"', b.job_id);
    const path = stateDatabasePath(dir);
    expect(() => store.load()).toThrow(
      `the coordinator's saved board of job ${b.job_id} in the state database ${path} is damaged (not JSON: `,
    );
    expect(() => store.load()).toThrow(
      `; delete its row to drop that job's claims and results and start the bot again: sqlite3 ${path} "DELETE FROM coordinator_jobs WHERE job_id = '${b.job_id}'"`,
    );
    db.prepare("UPDATE coordinator_jobs SET snapshot = ? WHERE job_id = ?").run(
      JSON.stringify({ ...b, tasks: "none" }),
      b.job_id,
    );
    expect(() => store.load()).toThrow(new RegExp(`job ${b.job_id} .* is damaged \\(.*tasks`, "s"));
    db.prepare("UPDATE coordinator_jobs SET snapshot = ? WHERE job_id = ?").run(JSON.stringify(a), b.job_id);
    expect(() => store.load()).toThrow(`is damaged (it holds job ${a.job_id}'s board)`);
    expect(rows(db)).toEqual([a.job_id, b.job_id]); // nothing dropped
  });
});

describe("importCoordinatorFile", () => {
  it("imports an older bot's coordinator.json once, keeping the file as coordinator.json.imported", async () => {
    const dir = await stateDir();
    const db = await database(dir);
    const [a, b] = [board("a"), board("b")];
    const text = JSON.stringify({ version: 1, jobs: [a, b] });
    await writeFile(join(dir, "coordinator.json"), text);
    const lines: string[] = [];
    const store = new CoordinatorStore(db);
    expect(await importCoordinatorFile(store, dir, (line) => lines.push(line))).toEqual({
      imported: 2,
      movedTo: join(dir, "coordinator.json.imported"),
    });
    expect(store.load()).toEqual([a, b]);
    expect(await readFile(join(dir, "coordinator.json.imported"), "utf8")).toBe(text);
    expect(lines).toEqual([
      `[swarm] imported 2 job(s) from ${join(dir, "coordinator.json")} into the state database ${stateDatabasePath(dir)}; the file is kept as ${join(dir, "coordinator.json.imported")}`,
    ]);

    // The next start: nothing to import, the boards saved since are kept.
    await store.save([b]);
    expect(await importCoordinatorFile(store, dir, (line) => lines.push(line))).toBeUndefined();
    expect(store.load()).toEqual([b]);
    expect(lines).toHaveLength(1);
  });

  it("only renames the file when the database already holds the coordinator's jobs (an import cut before its rename)", async () => {
    const dir = await stateDir();
    const store = new CoordinatorStore(await database(dir));
    const [a, b] = [board("a"), board("b")];
    await store.save([b]);
    await writeFile(join(dir, "coordinator.json"), JSON.stringify({ version: 1, jobs: [a] }));
    const lines: string[] = [];
    expect(await importCoordinatorFile(store, dir, (line) => lines.push(line))).toMatchObject({ imported: 0 });
    expect(store.load()).toEqual([b]);
    expect((await readdir(dir)).filter((name) => name.startsWith("coordinator"))).toEqual([
      "coordinator.json.imported",
    ]);
    expect(lines[0]).toMatch(
      /coordinator\.json not imported: the state database .* already holds the coordinator's jobs/,
    );
  });

  it("refuses a damaged coordinator.json by name with the fix, importing nothing and leaving it in place", async () => {
    const dir = await stateDir();
    const store = new CoordinatorStore(await database(dir));
    const path = join(dir, "coordinator.json");
    await writeFile(path, JSON.stringify({ version: 1, jobs: [{ job_id: "x" }] }));
    await expect(importCoordinatorFile(store, dir)).rejects.toThrow(
      new RegExp(`coordinator state ${path} is damaged \\(.*\\); move it aside to start with no saved jobs`, "s"),
    );
    expect(store.isEmpty()).toBe(true);
    expect(await readdir(dir)).toContain("coordinator.json");
  });
});
