// Where a job's repository lies while the engine runs it: a git folder and the commit the job
// starts from. The App's is a fresh clone of the repository's default branch (bot/github/checkout.ts);
// `dellm run`'s is the user's own repository at the commit checked out when the job started.
import { simpleGit, type SimpleGit } from "simple-git";

export class JobWorkspace {
  readonly git: SimpleGit;

  constructor(
    readonly dir: string,
    /** The commit (or branch) the job starts from: its base. */
    readonly baseRef: string,
    /** Who the repository is ("github.com/owner/name", "local:/path"): no other's setup image is reused. */
    readonly identity: string,
  ) {
    this.git = simpleGit(dir);
  }

  /** Whether the base already has this file (then the job modified it rather than created it). */
  async baseHas(path: string): Promise<boolean> {
    return this.git.raw(["cat-file", "-e", "--end-of-options", `${this.baseRef}:${path}`]).then(
      () => true,
      () => false,
    );
  }

  /** Lines added plus lines removed in `path` from the base to `commit` (undefined: git could not count them, a binary). */
  async linesChanged(path: string, commit: string): Promise<number | undefined> {
    const numstat = await this.git.raw(["diff", "--numstat", this.baseRef, commit, "--", path]);
    const [added, removed] = numstat.trim().split("\t");
    const lines = Number(added) + Number(removed);
    return Number.isFinite(lines) ? lines : undefined;
  }

  /** Drop a local branch (a repair round merges the job's branch again); a missing one is fine. */
  async deleteLocalBranch(branch: string): Promise<void> {
    await this.git.raw(["branch", "-D", "--", branch]).catch(() => undefined);
  }
}
