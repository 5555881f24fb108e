// Upgrading from job files: real files in a temporary state folder (good ones, one an older bot wrote,
// a truncated one, one that is not a job, a leftover temporary file) are imported into a real SQLite
// file once; the damaged ones are named with their fix and skipped; the folder is renamed with every
// file in it; a second start imports nothing; a repaired file moved back is imported at the next start.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { githubJob as job } from "../../test/github-job-fixture.js";
import { openStateDatabase, stateDatabasePath } from "../state/database.js";
import { importJobFiles } from "./job-import.js";
import { GitHubJobStore, type GitHubJob } from "./job-store.js";

const open: DatabaseSync[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) db.close();
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function stateFolder(files: Record<string, string>): Promise<string> {
  const state = await mkdtemp(join(tmpdir(), "dellm-import-"));
  folders.push(state);
  await mkdir(join(state, "github-jobs"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(state, "github-jobs", name), text);
  return state;
}

async function storeIn(state: string): Promise<GitHubJobStore> {
  const db = await openStateDatabase(stateDatabasePath(state));
  open.push(db);
  return new GitHubJobStore(db);
}

/** As the file store wrote them. */
const file = (j: GitHubJob) => JSON.stringify(j, null, 1);
const at = new Date("2026-03-01T12:00:00.000Z");

describe("importing an older bot's job files", () => {
  it("imports the good files in one go, names each damaged one with its fix, and moves the folder aside", async () => {
    const older = job("job-olderr", 7, 1); // written before planner_model was recorded
    const state = await stateFolder({
      "job-olderr.json": JSON.stringify(older),
      "job-newerr.json": file(job("job-newerr", 8, 2, { stage: "distributing", planner_model: "claude-sonnet-4-6" })),
      "job-cutoff.json": '{"id":"job-cutoff","owner":"oc',
      "job-notjob.json": JSON.stringify({ id: "job-notjob" }),
      "job-newerr.json.12345.0badc0de.tmp": '{"half":',
    });
    const lines: string[] = [];
    const outcome = await importJobFiles(await storeIn(state), state, (line) => lines.push(line), at);

    const movedTo = join(state, "github-jobs.imported-2026-03-01T12-00-00-000Z");
    expect(outcome).toMatchObject({ imported: 2, movedTo });
    expect(outcome!.damaged).toHaveLength(2);
    const fix = `skipped; the file stays in ${movedTo}: repair it and move it into ${join(state, "github-jobs")} to import it at the next start`;
    expect(outcome!.damaged[0]).toBe(
      `job file ${join(state, "github-jobs", "job-cutoff.json")} is damaged (not JSON: ${notJson('{"id":"job-cutoff","owner":"oc')}); ${fix}`,
    );
    expect(outcome!.damaged[1]).toMatch(/^job file .*job-notjob\.json is damaged \(.*owner.*\); skipped; /s);
    expect(lines[0]).toBe(
      `[github] imported 2 job file(s) from ${join(state, "github-jobs")} into the state database; the files are kept in ${movedTo}`,
    );
    expect(lines.slice(1)).toEqual(outcome!.damaged.map((line) => `[github] ${line}`));
    // Nothing deleted: every file, the damaged and the temporary ones too, is in the renamed folder.
    expect(await readdir(state)).toEqual(
      expect.arrayContaining(["dellm.db", "github-jobs.imported-2026-03-01T12-00-00-000Z"]),
    );
    expect(await readdir(state)).not.toContain("github-jobs");
    expect((await readdir(movedTo)).sort()).toEqual([
      "job-cutoff.json",
      "job-newerr.json",
      "job-newerr.json.12345.0badc0de.tmp",
      "job-notjob.json",
      "job-olderr.json",
    ]);

    // A restarted bot (a new connection) has the jobs as they were, and a second start imports nothing.
    const store = await storeIn(state);
    expect((await store.all()).map((j) => [j.id, j.stage, j.planner_model])).toEqual([
      ["job-olderr", "done", undefined],
      ["job-newerr", "distributing", "claude-sonnet-4-6"],
    ]);
    expect(await store.get("job-olderr")).toEqual(older);
    expect((await store.active()).map((j) => j.id)).toEqual(["job-newerr"]);
    expect(await importJobFiles(store, state)).toBeUndefined();
  });

  it("imports a repaired file moved back at the next start, never over a job updated since", async () => {
    const state = await stateFolder({ "job-aaaaaa.json": file(job("job-aaaaaa", 7, 1, { stage: "planning" })) });
    const store = await storeIn(state);
    const { movedTo } = (await importJobFiles(store, state, () => {}, at))!;
    await store.save(job("job-aaaaaa", 7, 1, { stage: "done" })); // the job went on after the import

    // The same files again (as after a crash between the commit and the rename), and a repaired one.
    await mkdir(join(state, "github-jobs"));
    await rename(join(movedTo, "job-aaaaaa.json"), join(state, "github-jobs", "job-aaaaaa.json"));
    await writeFile(join(state, "github-jobs", "job-bbbbbb.json"), file(job("job-bbbbbb", 8, 2)));
    const later = new Date(at.getTime() + 60_000);
    const second = await importJobFiles(store, state, () => {}, later);
    expect(second).toMatchObject({ imported: 2, damaged: [] });
    expect((await store.all()).map((j) => [j.id, j.stage])).toEqual([
      ["job-aaaaaa", "done"],
      ["job-bbbbbb", "done"],
    ]);
    expect(JSON.parse(await readFile(join(second!.movedTo, "job-bbbbbb.json"), "utf8"))).toMatchObject({
      id: "job-bbbbbb",
    });
  });

  it("does nothing where there is no job folder", async () => {
    const state = await mkdtemp(join(tmpdir(), "dellm-import-"));
    folders.push(state);
    const lines: string[] = [];
    expect(await importJobFiles(await storeIn(state), state, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([]);
  });
});

function notJson(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("valid JSON");
}
