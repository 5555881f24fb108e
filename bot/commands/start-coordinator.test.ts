// The bot's coordinator start-up on an upgraded state folder (issue 23): an older bot's
// coordinator.json is imported into the state database at the first start only, its jobs are back
// on the board, and a damaged file stops the start with its name and the fix.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readEnv } from "../../shared/config.js";
import { newJobId } from "../../shared/schemas.js";
import { taskFixture } from "../../test/fixtures.js";
import { openStateDatabase, stateDatabasePath } from "../state/database.js";
import { JobBoard } from "../swarm/job-board.js";
import { startCoordinator } from "./start-coordinator.js";

const folders: string[] = [];
afterEach(async () => {
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** One start of the bot's coordinator on `dir`, as `dellm serve` does it; returns its lines and job ids. */
async function startOnce(dir: string): Promise<{ lines: string[]; jobIds: string[] }> {
  const database = await openStateDatabase(stateDatabasePath(dir));
  const lines: string[] = [];
  try {
    const running = await startCoordinator(
      { listen: ["/ip4/127.0.0.1/tcp/0"], keyFile: join(dir, "bot.key"), bootstrap: [], leaseSeconds: 60, database },
      readEnv({ DELLM_STATE_DIR: dir }),
      (line) => lines.push(line),
    );
    const jobIds = running.coordinator.jobIds();
    await running.stop();
    return { lines, jobIds };
  } finally {
    database.close();
  }
}

describe("startCoordinator on an older bot's state folder", () => {
  it("imports coordinator.json into the state database once; the next start finds the jobs there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-start-coordinator-"));
    folders.push(dir);
    const job = JobBoard.withResults(newJobId(), "kept across the upgrade", [taskFixture(1)]).snapshot();
    await writeFile(join(dir, "coordinator.json"), JSON.stringify({ version: 1, jobs: [job] }));

    const first = await startOnce(dir);
    expect(first.jobIds).toEqual([job.job_id]);
    expect(first.lines.filter((line) => line.includes("coordinator.json"))).toEqual([
      `[swarm] imported 1 job(s) from ${join(dir, "coordinator.json")} into the state database ${stateDatabasePath(dir)}; the file is kept as ${join(dir, "coordinator.json.imported")}`,
    ]);
    expect(first.lines).toContain(
      `[swarm] job ${job.job_id} from an earlier run is still open (0/1 results kept in ${stateDatabasePath(dir)})`,
    );
    expect(await readdir(dir)).toContain("coordinator.json.imported");
    expect(await readdir(dir)).not.toContain("coordinator.json");

    const second = await startOnce(dir);
    expect(second.jobIds).toEqual([job.job_id]);
    expect(second.lines.filter((line) => line.includes("coordinator.json"))).toEqual([]);
  }, 60_000);

  it("stops at a damaged coordinator.json, naming it and the fix", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-start-coordinator-"));
    folders.push(dir);
    const path = join(dir, "coordinator.json");
    await writeFile(path, '{"version":1,"jobs":[{"job_id":"job-');
    await expect(startOnce(dir)).rejects.toThrow(
      new RegExp(`coordinator state ${path} is damaged \\(not JSON: .*\\); move it aside to start with no saved jobs`),
    );
    expect(await readdir(dir)).toContain("coordinator.json");
  }, 60_000);
});
