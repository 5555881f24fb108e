// The App's commits, published through GitHub's Git data API (blobs, trees, commits, refs) rather
// than pushed: GitHub then signs each commit as the App and shows it "Verified". The commits are
// made in the job's clone as before (and tested there); each is created again on GitHub with the
// same message, the same tree (every tree GitHub builds is checked to be the local one, so what was
// tested is what lands) and its parents mapped to GitHub's commits, without author or committer
// (GitHub fills in the App and signs). The branch then moves only as the job expected: created when
// it must not exist yet, else fast-forwarded from the commit the job built on (force: false).
import type { SimpleGit } from "simple-git";
import { PushRejectedError } from "./checkout.js";
import type { Octokit } from "./job-comment.js";

/** More local commits than this between the remote and the branch is no job's doing: refused. */
export const MAX_PUBLISHED_COMMITS = 20;

/** Git's empty tree: the "parent" tree of a root commit. */
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** A file mode GitHub takes in a tree entry (git's own, as ls-tree and diff-tree print them). */
type Mode = "100644" | "100755" | "120000" | "160000" | "040000";
const MODES = new Set<string>(["100644", "100755", "120000", "160000", "040000"]);

export interface Publication {
  owner: string;
  repo: string;
  branch: string;
  /** The job's clone, where refs/heads/<branch> holds the commits to publish. */
  git: SimpleGit;
  /** The commit the branch is at on GitHub, or null when it must not exist yet (it is created then). */
  expected: string | null;
  /**
   * Called with GitHub's commit for the branch's head once it exists, before the branch moves to it
   * (a job saves it, so a bot restarted after the move finds its commit on the branch and goes on).
   */
  beforeRefMoves?: (commit: string) => Promise<void>;
}

interface Change {
  path: string;
  /** The mode and blob the path had in the first parent (000000 / zeros when it is new). */
  oldMode: string;
  /** Its mode and blob now (000000 / zeros when deleted). */
  newMode: string;
  newSha: string;
  deleted: boolean;
}

/**
 * Creates the branch's local commits that GitHub does not have on GitHub, oldest first, and moves
 * the branch there. Returns GitHub's commit for the local head. A branch that is not where
 * `expected` says (somebody moved, created or deleted it meanwhile) is never written: PushRejectedError.
 */
export async function publishCommits(octokit: Octokit, publication: Publication): Promise<string> {
  const { owner, repo, branch, git, expected } = publication;
  const where = { owner, repo };
  // An existing branch is checked first (no objects are made for a branch that moved); the
  // fast-forward-only update at the end refuses one moved in between.
  if (expected !== null) {
    const current = await remoteRef(octokit, publication);
    if (current !== expected)
      throw new PushRejectedError(
        current === null
          ? `branch ${branch} was deleted on GitHub since the job read it`
          : `branch ${branch} was moved on GitHub since the job read it (it is at ${current.slice(0, 12)}, the job built on ${expected.slice(0, 12)})`,
      );
  }
  const local = await commitsToPublish(git, branch, expected);
  const mapped = new Map<string, string>();
  const blobs = new Set<string>();
  for (const { commit, parents } of local) {
    const tree = (await git.raw(["rev-parse", "--verify", "--end-of-options", `${commit}^{tree}`])).trim();
    const first = parents[0];
    const baseTree = first
      ? (await git.raw(["rev-parse", "--verify", "--end-of-options", `${first}^{tree}`])).trim()
      : undefined;
    const changes = await changedFiles(git, baseTree ?? EMPTY_TREE, tree);
    // A commit that changes nothing (merger.ts commits such a one) has its parent's tree, on GitHub already.
    if (changes.length > 0) {
      for (const change of changes) {
        if (change.deleted || change.newMode === "160000" || blobs.has(change.newSha)) continue;
        const content = await git.binaryCatFile(["blob", change.newSha]);
        const { data } = await octokit.rest.git.createBlob({
          ...where,
          content: content.toString("base64"),
          encoding: "base64",
        });
        if (data.sha !== change.newSha)
          throw new Error(
            `GitHub stored ${change.path} as blob ${data.sha}, not ${change.newSha} as in the job's clone`,
          );
        blobs.add(change.newSha);
      }
      const { data } = await octokit.rest.git.createTree({
        ...where,
        ...(baseTree ? { base_tree: baseTree } : {}),
        tree: changes.map(treeEntry),
      });
      if (data.sha !== tree)
        throw new Error(
          `GitHub's tree for commit ${commit.slice(0, 12)} is ${data.sha}, not ${tree} as in the job's clone`,
        );
    }
    const { data } = await octokit.rest.git.createCommit({
      ...where,
      message: await commitMessage(git, commit),
      tree,
      parents: parents.map((parent) => mapped.get(parent) ?? parent),
    });
    mapped.set(commit, data.sha);
  }
  const head = (await git.raw(["rev-parse", "--verify", "--end-of-options", `refs/heads/${branch}^{commit}`])).trim();
  const published = mapped.get(head) ?? head;
  await publication.beforeRefMoves?.(published);
  await moveBranch(octokit, publication, published);
  return published;
}

/** The branch's commits GitHub lacks (not on any remote-tracking branch, nor `expected`), parents first. */
async function commitsToPublish(
  git: SimpleGit,
  branch: string,
  expected: string | null,
): Promise<{ commit: string; parents: string[] }[]> {
  const listing = await git.raw([
    "rev-list",
    "--reverse",
    "--topo-order",
    "--parents",
    `refs/heads/${branch}`,
    "--not",
    "--remotes",
    ...(expected ? [expected] : []),
    "--",
  ]);
  const commits = listing
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [commit, ...parents] = line.trim().split(" ");
      return { commit: commit!, parents };
    });
  if (commits.length > MAX_PUBLISHED_COMMITS)
    throw new Error(
      `branch ${branch} has ${commits.length} commits GitHub does not have (at most ${MAX_PUBLISHED_COMMITS} are published)`,
    );
  return commits;
}

/** What `to` changes against `from`, file by file (renames as a deletion and an addition). */
async function changedFiles(git: SimpleGit, from: string, to: string): Promise<Change[]> {
  const raw = await git.raw(["diff-tree", "-r", "-z", "--no-renames", "--raw", "--end-of-options", from, to]);
  const fields = raw.split("\0");
  const changes: Change[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i]!;
    const path = fields[i + 1]!;
    if (!meta.startsWith(":")) break;
    const [oldMode, newMode, , newSha, status] = meta.slice(1).split(" ");
    changes.push({ path, oldMode: oldMode!, newMode: newMode!, newSha: newSha!, deleted: status === "D" });
  }
  return changes;
}

/** A tree entry for GitHub: the file's new blob and mode, or a null sha for a deleted file. */
function treeEntry(change: Change) {
  const mode = change.deleted ? change.oldMode : change.newMode;
  if (!MODES.has(mode)) throw new Error(`${change.path} has file mode ${mode}, which GitHub's trees do not take`);
  return {
    path: change.path,
    mode: mode as Mode,
    type: mode === "160000" ? ("commit" as const) : ("blob" as const),
    sha: change.deleted ? null : change.newSha,
  };
}

/** The commit's message exactly as stored (everything after the header's blank line). */
async function commitMessage(git: SimpleGit, commit: string): Promise<string> {
  const object = await git.raw(["cat-file", "commit", commit]);
  const split = object.indexOf("\n\n");
  return split < 0 ? "" : object.slice(split + 2);
}

/** The commit the branch is at on GitHub, or null when it does not exist. */
async function remoteRef(octokit: Octokit, { owner, repo, branch }: Publication): Promise<string | null> {
  try {
    const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (status(error) === 404) return null;
    throw error;
  }
}

/** Create the branch at `commit`, or fast-forward it there; GitHub's refusal (422, 409) is a rejected push. */
async function moveBranch(octokit: Octokit, publication: Publication, commit: string): Promise<void> {
  const { owner, repo, branch, expected } = publication;
  try {
    if (expected === null) await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: commit });
    else await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit, force: false });
  } catch (error) {
    const code = status(error);
    if (code === 422 || code === 409)
      throw new PushRejectedError(
        `GitHub refused to ${expected === null ? "create" : "update"} branch ${branch}: ${(error as Error).message.replace(/ - https:\/\/docs\.github\.com\S*$/, "")}`,
      );
    throw error;
  }
}

function status(error: unknown): number | undefined {
  const code = (error as { status?: unknown }).status;
  return typeof code === "number" ? code : undefined;
}
