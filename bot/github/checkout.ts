// A job's clone of the repository, made and pushed with the installation token. The token never
// reaches git's command line (any local user reads it with ps) or .git/config (a crash would leave
// it on disk): the URL's credentials are taken out and handed to git as an Authorization header
// through GIT_CONFIG_* environment variables, which only the bot's own user can read.
import { chmod, mkdir, rm } from "node:fs/promises";
import { simpleGit, type SimpleGit } from "simple-git";

/** Where a repository is fetched from and pushed to; tests point it at a local bare repository. */
export type RemoteUrl = (owner: string, repo: string, token: string) => string;

export const githubRemote: RemoteUrl = (owner, repo, token) =>
  `https://x-access-token:${encodeURIComponent(token)}@github.com/${owner}/${repo}.git`;

export class PushRejectedError extends Error {
  override name = "PushRejectedError";
}

/** A remote without credentials in its URL, and the git that reaches it with them. */
interface Remote {
  url: string;
  git: SimpleGit;
  /** Credential text to blank out of error messages. */
  secrets: string[];
}

/** The variables git reads its configuration from (git 2.31+); simple-git refuses them unless allowed. */
const CONFIG_ENV = ["GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0", "GIT_TERMINAL_PROMPT"];

/**
 * Split a remote URL's user and password off into the environment of the git it runs: an
 * `http.<origin>/.extraHeader` scoped to that host (curl 7.58+ does not carry a custom
 * Authorization header to another host on a redirect), with no prompt when it is refused. A URL
 * without credentials (a local path, ssh) runs as is.
 */
export function remoteAccess(remote: string, baseDir?: string): Remote {
  const plain = (): Remote => ({ url: remote, git: simpleGit(baseDir ?? process.cwd()), secrets: [] });
  if (!/^https?:\/\//i.test(remote)) return plain();
  const url = new URL(remote);
  if (!url.username && !url.password) return plain();
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const basic = Buffer.from(`${user}:${password}`).toString("base64");
  url.username = "";
  url.password = "";
  const env: Record<string, string> = {
    ...ambientEnv(),
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `http.${url.origin}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    GIT_TERMINAL_PROMPT: "0",
  };
  const git = simpleGit({
    baseDir: baseDir ?? process.cwd(),
    unsafe: { allowUnsafeConfigEnvCount: true },
    allowEnvironment: CONFIG_ENV,
  }).env(env);
  const token = password || user;
  return { url: url.href, git, secrets: [token, encodeURIComponent(token), basic] };
}

/** Variables simple-git refuses in an explicit environment (it drops them from an inherited one too). */
const GUARDED = new Set(["editor", "pager", "prefix", "visual", "ssh_askpass"]);

/** The bot's environment without names starting with git (simple-git drops GIT_* itself) or the guarded ones. */
function ambientEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !entry[0].toLowerCase().startsWith("git") && !GUARDED.has(entry[0].toLowerCase()),
    ),
  );
}

export class Checkout {
  private constructor(
    readonly dir: string,
    readonly git: SimpleGit,
    /** The repository's default branch, checked out in `dir`. */
    readonly baseBranch: string,
    private readonly url: () => Promise<string>,
  ) {}

  /** A fresh clone in `dir` (anything there is replaced), readable by the bot's user only. */
  static async clone(dir: string, url: () => Promise<string>): Promise<Checkout> {
    await rm(dir, { recursive: true, force: true });
    // 0700 before a file arrives: a private repository's code is no business of other local users.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const remote = remoteAccess(await url());
    // "--": a URL or folder is never read as an option.
    await redacted(remote, () => remote.git.raw(["clone", "--no-tags", "--", remote.url, dir]));
    const git = simpleGit(dir);
    const baseBranch = (await git.raw(["branch", "--show-current"])).trim();
    const hasCommit = await git.raw(["rev-parse", "--verify", "--quiet", "HEAD"]).then(
      () => true,
      () => false,
    );
    if (!baseBranch || !hasCommit)
      throw new Error("the repository has no commits yet; push a first commit (a README is enough) and try again");
    return new Checkout(dir, git, baseBranch, url);
  }

  private async remote(): Promise<Remote> {
    return remoteAccess(await this.url(), this.dir);
  }

  /** The commit a branch points at on the remote, or null when it does not exist there. */
  async remoteBranch(branch: string): Promise<string | null> {
    const remote = await this.remote();
    const line = await redacted(remote, () =>
      remote.git.raw(["ls-remote", "--heads", "--", remote.url, `refs/heads/${branch}`]),
    );
    return line.trim() ? line.split(/\s+/)[0]! : null;
  }

  /** Fetch a remote branch; returns the local ref to build on. */
  async fetchBranch(branch: string): Promise<string> {
    const ref = `refs/dellm/base/${branch}`;
    const remote = await this.remote();
    await redacted(remote, () =>
      remote.git.raw(["fetch", "--no-tags", "--", remote.url, `+refs/heads/${branch}:${ref}`]),
    );
    return ref;
  }

  /**
   * Point the local branch at `commit`, a commit GitHub made on the remote branch (the App publishes
   * through the API, api-commits.ts): fetched first, so later steps see the branch as GitHub has it.
   */
  async adopt(branch: string, commit: string): Promise<void> {
    await this.fetchBranch(branch);
    const fetched = await this.git.raw(["cat-file", "-e", "--end-of-options", `${commit}^{commit}`]).then(
      () => true,
      () => false,
    );
    if (!fetched) throw new Error(`commit ${commit} is not on branch ${branch} any more`);
    await this.git.raw(["update-ref", "--no-deref", `refs/heads/${branch}`, commit]);
  }

  /**
   * Push the local branch. `expected` is the commit the remote branch must be at (null: it must not
   * exist), so a branch somebody else moved meanwhile is never overwritten. The App no longer pushes:
   * it publishes through GitHub's API (api-commits.ts), which signs its commits; this stays for
   * plain git remotes.
   */
  async push(branch: string, expected: string | null): Promise<void> {
    const remote = await this.remote();
    try {
      await redacted(remote, () =>
        remote.git.raw([
          "push",
          `--force-with-lease=refs/heads/${branch}:${expected ?? ""}`,
          "--",
          remote.url,
          `refs/heads/${branch}:refs/heads/${branch}`,
        ]),
      );
    } catch (error) {
      throw new PushRejectedError((error as Error).message);
    }
  }
}

/** Run a git command; on failure, throw its message with the remote and any credential blanked out. */
async function redacted<T>(remote: Remote, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    let message = (error as Error).message.split(remote.url).join("<repository>");
    for (const secret of remote.secrets) message = message.split(secret).join("***");
    // No `cause`: the original error's message may name the remote.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(message.replace(/x-access-token:[^@\s]+@/g, "x-access-token:***@").trim());
  }
}
