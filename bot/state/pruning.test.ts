// Pruning the state database (a real SQLite file): finished jobs past DELLM_KEEP_JOBS_DAYS and
// delivery ids past 30 days go, active jobs stay however old; `dellm serve`'s schedule prunes at
// once and again each day (fake clock), and DELLM_KEEP_JOBS_DAYS defaults to 90.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it, vi } from "vitest";
import { githubJob as job } from "../../test/github-job-fixture.js";
import { readEnv } from "../../shared/config.js";
import { DeliveryLog } from "../github/deliveries.js";
import { GitHubJobStore } from "../github/job-store.js";
import { openStateDatabase } from "./database.js";
import { pruneState, schedulePruning } from "./pruning.js";

const DAY = 24 * 3600 * 1000;
const NOW = Date.parse("2026-06-01T00:00:00Z");

let db: DatabaseSync | undefined;
let dir: string | undefined;
afterEach(async () => {
  vi.useRealTimers();
  db?.close();
  db = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function database(): Promise<DatabaseSync> {
  dir = await mkdtemp(join(tmpdir(), "dellm-prune-"));
  db = await openStateDatabase(join(dir, "dellm.db"));
  return db;
}

/** Saves the job as last updated `daysAgo` days before NOW. */
async function saved(db: DatabaseSync, daysAgo: number, ...args: Parameters<typeof job>): Promise<void> {
  await new GitHubJobStore(db, { now: () => NOW - daysAgo * DAY }).save(job(...args));
}

const ids = async (db: DatabaseSync) => (await new GitHubJobStore(db).all()).map((j) => j.id);

describe("pruning the state database", () => {
  it("forgets finished jobs and delivery ids past their days, and never an active job", async () => {
    const db = await database();
    await saved(db, 200, "job-oldrun", 1, 1, { stage: "distributing" });
    await saved(db, 200, "job-oldque", 2, 2, { stage: "queued" });
    await saved(db, 91, "job-olddon", 3, 3);
    await saved(db, 91, "job-oldfai", 4, 4, { stage: "failed" });
    await saved(db, 89, "job-recent", 5, 5);
    const deliveries = (daysAgo: number) => new DeliveryLog(db, () => NOW - daysAgo * DAY);
    expect(deliveries(31).record("old", "issues")).toBe(true);
    expect(deliveries(29).record("recent", "issues")).toBe(true);

    expect(pruneState(db, { keepJobsDays: 90 }, NOW)).toEqual({ jobs: 2, deliveries: 1 });
    expect(await ids(db)).toEqual(["job-oldrun", "job-oldque", "job-recent"]);
    // The forgotten delivery would count as new again; the recent one is still a redelivery.
    expect(deliveries(0).record("old", "issues")).toBe(true);
    expect(deliveries(0).record("recent", "issues")).toBe(false);

    expect(pruneState(db, { keepJobsDays: 30, keepDeliveriesDays: 3 }, NOW)).toEqual({ jobs: 1, deliveries: 1 });
    expect(await ids(db)).toEqual(["job-oldrun", "job-oldque"]);
  });

  it("prunes at start and once a day while serving, until stopped", async () => {
    vi.useFakeTimers({ now: NOW, toFake: ["Date", "setInterval", "clearInterval"] });
    const db = await database();
    await saved(db, 89, "job-doneee", 1, 1);
    await saved(db, 85, "job-runnin", 2, 2, { stage: "merging" });
    const lines: string[] = [];
    const pruning = schedulePruning(db, { keepJobsDays: 90 }, (line) => lines.push(line));
    expect(await ids(db)).toHaveLength(2);
    expect(lines).toEqual([]);
    vi.advanceTimersByTime(DAY - 1);
    expect(await ids(db)).toHaveLength(2);
    vi.advanceTimersByTime(1); // a day after start: the done job is 90 days old
    expect(await ids(db)).toHaveLength(2);
    vi.advanceTimersByTime(DAY);
    expect(await ids(db)).toEqual(["job-runnin"]);
    expect(lines).toEqual([
      "[state] forgot 1 finished job(s) older than 90 days (DELLM_KEEP_JOBS_DAYS) and 0 webhook delivery id(s) older than 30 days",
    ]);
    pruning.stop();
    await saved(db, 200, "job-later1", 3, 3);
    vi.advanceTimersByTime(3 * DAY);
    expect(await ids(db)).toEqual(["job-runnin", "job-later1"]);
  });

  it("keeps finished jobs 90 days unless DELLM_KEEP_JOBS_DAYS says otherwise", () => {
    expect(readEnv({}).DELLM_KEEP_JOBS_DAYS).toBe(90);
    expect(readEnv({ DELLM_KEEP_JOBS_DAYS: "7" }).DELLM_KEEP_JOBS_DAYS).toBe(7);
    expect(() => readEnv({ DELLM_KEEP_JOBS_DAYS: "0" })).toThrow(/DELLM_KEEP_JOBS_DAYS must be above 0/);
  });

  it("bounds the repositories' setup images by settings (shared/sandbox/setup-image.test.ts prunes them)", () => {
    expect(readEnv({})).toMatchObject({ DELLM_SETUP_IMAGES_KEEP: 8, DELLM_SETUP_IMAGES_GB: 16 });
    expect(readEnv({ DELLM_SETUP_IMAGES_KEEP: "3", DELLM_SETUP_IMAGES_GB: "2" })).toMatchObject({
      DELLM_SETUP_IMAGES_KEEP: 3,
      DELLM_SETUP_IMAGES_GB: 2,
    });
    expect(() => readEnv({ DELLM_SETUP_IMAGES_KEEP: "0" })).toThrow(/DELLM_SETUP_IMAGES_KEEP must be above 0/);
  });
});
