// The bot's state files on disk: writes are fsynced (file and folder) and owner-only, a truncated
// file stops the bot with its name and the fix (not a bare SyntaxError), and the temporary files a
// crashed write leaves are removed when the store opens, those of a live writer kept.
import { spawn } from "node:child_process";
import { mkdtemp, open, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openStateDatabase } from "../bot/state/database.js";
import { importCoordinatorFile } from "../bot/swarm/coordinator-import.js";
import { CoordinatorStore } from "../bot/swarm/coordinator-store.js";
import { removeLeftoverTemporaries, writeFileAtomic } from "./atomic-file.js";

const folders: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** An older bot's coordinator.json read as an upgrade reads it, into an empty in-memory database. */
async function importFrom(dir: string) {
  const db = await openStateDatabase(":memory:");
  try {
    return await importCoordinatorFile(new CoordinatorStore(db), dir);
  } finally {
    db.close();
  }
}

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dellm-state-"));
  folders.push(dir);
  return dir;
}

/** A pid no process has now (a child that has exited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("state files", () => {
  it("fsyncs the file and its folder on every write, and leaves it owner-only", async () => {
    const dir = await folder();
    const path = join(dir, "coordinator.json");
    await writeFile(path, "{}", { mode: 0o644 });
    // FileHandle's prototype, to count fsyncs of every handle the write opens.
    const probe = await open(path, "r");
    const sync = vi.spyOn(Object.getPrototypeOf(probe) as { sync(): Promise<void> }, "sync");
    await probe.close();
    await writeFileAtomic(path, JSON.stringify({ version: 1, jobs: [] }));
    expect(sync).toHaveBeenCalledTimes(2); // the temporary file's data, then the folder's rename
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["coordinator.json"]);
  });

  it("names a truncated coordinator state and the fix instead of a bare SyntaxError", async () => {
    const dir = await folder();
    const path = join(dir, "coordinator.json");
    await writeFile(path, '{"version":1,"jobs":[{"id":"job-');
    await expect(importFrom(dir)).rejects.toThrow(
      new RegExp(`coordinator state ${path} is damaged \\(not JSON: .*\\); move it aside to start with no saved jobs`),
    );
    await writeFile(path, "");
    await expect(importFrom(dir)).rejects.toThrow(/is damaged \(it is empty\)/);
  });

  it("removes temporary files a crashed write left and keeps a live writer's", async () => {
    const dir = await folder();
    const dead = await deadPid();
    await writeFile(join(dir, `job-abc.json.${dead}.tmp`), '{"half":');
    await writeFile(join(dir, `job-abc.json.${dead}.0badc0de.tmp`), "");
    const live = `job-abc.json.${process.ppid}.12345678.tmp`; // the test runner's parent is running
    await writeFile(join(dir, live), "");
    expect((await removeLeftoverTemporaries(dir)).sort()).toEqual([
      `job-abc.json.${dead}.0badc0de.tmp`,
      `job-abc.json.${dead}.tmp`,
    ]);
    expect(await readdir(dir)).toEqual([live]);

    await writeFile(join(dir, `coordinator.json.${dead}.tmp`), "{");
    expect(await importFrom(dir)).toBeUndefined(); // no coordinator.json: nothing imported, its temporary removed
    expect((await readdir(dir)).sort()).toEqual([live]);
    expect(await removeLeftoverTemporaries(join(dir, "missing"))).toEqual([]);
  });
});
