// A job's clone of the repository, made and pushed with the installation token. The token goes
// only into the URL of each clone/fetch/push command, never into .git/config or an error message.
import { mkdir, rm } from "node:fs/promises";
import { simpleGit, type SimpleGit } from "simple-git";

/** Where a repository is fetched from and pushed to; tests point it at a local bare repository. */
export type RemoteUrl = (owner: string, repo: string, token: string) => string;

export const githubRemote: RemoteUrl = (owner, repo, token) =>
  `https://x-access-token:${encodeURIComponent(token)}@github.com/${owner}/${repo}.git`;

export class PushRejectedError extends Error {
  override name = "PushRejectedError";
}

export class Checkout {
  private constructor(
    readonly dir: string,
    readonly git: SimpleGit,
    /** The repository's default branch, checked out in `dir`. */
    readonly baseBranch: string,
    private readonly url: () => Promise<string>,
  ) {}

  /** A fresh clone in `dir` (anything there is replaced). */
  static async clone(dir: string, url: () => Promise<string>): Promise<Checkout> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const remote = await url();
    await redacted(remote, () => simpleGit().clone(remote, dir, ["--no-tags"]));
    const git = simpleGit(dir);
    await git.remote(["set-url", "origin", "https://github.invalid/token-not-stored"]);
    const baseBranch = (await git.raw(["branch", "--show-current"])).trim();
    const hasCommit = await git.raw(["rev-parse", "--verify", "--quiet", "HEAD"]).then(
      () => true,
      () => false,
    );
    if (!baseBranch || !hasCommit)
      throw new Error("the repository has no commits yet; push a first commit (a README is enough) and try again");
    return new Checkout(dir, git, baseBranch, url);
  }

  /** The commit a branch points at on the remote, or null when it does not exist there. */
  async remoteBranch(branch: string): Promise<string | null> {
    const remote = await this.url();
    const line = await redacted(remote, () => this.git.raw(["ls-remote", "--heads", remote, `refs/heads/${branch}`]));
    return line.trim() ? line.split(/\s+/)[0]! : null;
  }

  /** Fetch a remote branch; returns the local ref to build on. */
  async fetchBranch(branch: string): Promise<string> {
    const ref = `refs/dellm/base/${branch}`;
    const remote = await this.url();
    await redacted(remote, () => this.git.raw(["fetch", "--no-tags", remote, `+refs/heads/${branch}:${ref}`]));
    return ref;
  }

  /** Drop a local branch (a repair round merges the job's branch again); a missing one is fine. */
  async deleteLocalBranch(branch: string): Promise<void> {
    await this.git.raw(["branch", "-D", branch]).catch(() => undefined);
  }

  /** Whether the default branch already has this file (the PR table says "modified" then). */
  async baseHas(path: string): Promise<boolean> {
    return this.git.raw(["cat-file", "-e", `${this.baseBranch}:${path}`]).then(
      () => true,
      () => false,
    );
  }

  /**
   * Push the local branch. `expected` is the commit the remote branch must be at (null: it must not
   * exist), so a branch somebody else moved meanwhile is never overwritten.
   */
  async push(branch: string, expected: string | null): Promise<void> {
    const remote = await this.url();
    try {
      await redacted(remote, () =>
        this.git.raw([
          "push",
          `--force-with-lease=refs/heads/${branch}:${expected ?? ""}`,
          remote,
          `refs/heads/${branch}:refs/heads/${branch}`,
        ]),
      );
    } catch (error) {
      throw new PushRejectedError((error as Error).message);
    }
  }
}

/** Run a git command; on failure, throw its message with the token-bearing URL blanked out. */
async function redacted<T>(url: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = (error as Error).message
      .split(url)
      .join("<repository>")
      .replace(/x-access-token:[^@\s]+@/g, "x-access-token:***@");
    // No `cause`: the original error's message carries the token-bearing URL.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(message.trim());
  }
}
