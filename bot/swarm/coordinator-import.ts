// Upgrading from a bot that kept the coordinator's boards in <DELLM_STATE_DIR>/coordinator.json: at
// start its jobs are imported into the state database (one transaction), then the file is renamed to
// coordinator.json.imported, so nothing is deleted and the import never runs twice. A damaged file
// stops the bot with its name and the fix, as it did before, rather than losing claims and results.
// A crash between the commit and the rename finds the jobs already in the database at the next
// start: the file is then only renamed, never imported over the boards saved since.
import { access, rename } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { readStateFile, removeLeftoverTemporaries, syncFolder } from "../../shared/atomic-file.js";
import type { CoordinatorStore } from "./coordinator-store.js";
import { JobBoardSnapshotSchema } from "./job-board.js";

export const COORDINATOR_FILE = "coordinator.json";

/** The old file's format (bot/swarm/coordinator-store.ts before issue 23). */
const StateFileSchema = z.object({ version: z.literal(1), jobs: z.array(JobBoardSnapshotSchema) });

export interface CoordinatorImport {
  /** Jobs imported (0 when the database already held the coordinator's jobs: the file is only renamed). */
  imported: number;
  /** Where the file is now. */
  movedTo: string;
}

/** Imports `stateDir`'s old coordinator.json, if there is one (undefined when there is none). */
export async function importCoordinatorFile(
  store: CoordinatorStore,
  stateDir: string,
  log: (line: string) => void = () => {},
): Promise<CoordinatorImport | undefined> {
  const path = join(stateDir, COORDINATOR_FILE);
  const movedTo = `${path}.imported`;
  // Temporary files of an interrupted write hold nothing the file lacks.
  await removeLeftoverTemporaries(stateDir, COORDINATOR_FILE);
  if (!store.isEmpty()) {
    // Not read: its jobs were imported before (a crash came before the rename) and the boards in
    // the database have moved on since.
    if (!(await exists(path))) return undefined;
    await keep(path, movedTo, stateDir);
    log(
      `[swarm] ${path} not imported: the state database ${store.path} already holds the coordinator's jobs; the file is kept as ${movedTo}`,
    );
    return { imported: 0, movedTo };
  }
  const state = await readStateFile(path, StateFileSchema, {
    what: "coordinator state",
    fix: "move it aside to start with no saved jobs",
  });
  if (state === undefined) return undefined;
  await store.save(state.jobs);
  await keep(path, movedTo, stateDir);
  log(
    `[swarm] imported ${state.jobs.length} job(s) from ${path} into the state database ${store.path}; the file is kept as ${movedTo}`,
  );
  return { imported: state.jobs.length, movedTo };
}

async function keep(path: string, movedTo: string, stateDir: string): Promise<void> {
  await rename(path, movedTo);
  await syncFolder(stateDir); // the rename itself on disk: the import does not run twice
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return false;
      throw error;
    },
  );
}
