// Upgrading from a bot that kept each job in <DELLM_STATE_DIR>/github-jobs/<job>.json: at start the
// files are imported into the state database in one transaction, then the folder is renamed to
// github-jobs.imported-<time>, so nothing is deleted and the import never runs twice. A damaged file
// is reported by name with its fix and skipped; the others are imported all the same. A crash between
// the commit and the rename imports the same files again at the next start, which changes nothing.
import { readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { readStateFile, syncFolder } from "../../shared/atomic-file.js";
import { GitHubJobSchema, type GitHubJob, type GitHubJobStore } from "./job-store.js";

export const JOB_FILES_FOLDER = "github-jobs";

export interface JobImport {
  /** Jobs read from the files (a job already stored with a later update is kept as stored). */
  imported: number;
  /** One line per damaged file: its name, what is wrong and the fix. */
  damaged: string[];
  /** Where the files are now. */
  movedTo: string;
}

/** Imports the job files in `stateDir`'s old folder, if there is one (undefined when there is none). */
export async function importJobFiles(
  store: GitHubJobStore,
  stateDir: string,
  log: (line: string) => void = () => {},
  now: Date = new Date(),
): Promise<JobImport | undefined> {
  const dir = join(stateDir, JOB_FILES_FOLDER);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!names) return undefined;
  const movedTo = `${dir}.imported-${now.toISOString().replace(/[:.]/g, "-")}`;
  const fix = `skipped; the file stays in ${movedTo}: repair it and move it into ${dir} to import it at the next start`;
  const jobs: GitHubJob[] = [];
  const damaged: string[] = [];
  // Only job files: temporary files of an interrupted write (*.tmp) hold nothing the job file lacks.
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    try {
      const job = await readStateFile(join(dir, name), GitHubJobSchema, { what: "job file", fix });
      if (job) jobs.push(job);
    } catch (error) {
      damaged.push((error as Error).message);
    }
  }
  store.importJobs(jobs);
  await rename(dir, movedTo);
  await syncFolder(stateDir);
  log(
    `[github] imported ${jobs.length} job file(s) from ${dir} into the state database; the files are kept in ${movedTo}`,
  );
  for (const line of damaged) log(`[github] ${line}`);
  return { imported: jobs.length, damaged, movedTo };
}
