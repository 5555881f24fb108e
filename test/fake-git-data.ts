// GitHub's Git data API (blobs, trees, commits, refs) as the App uses it, backed by a real bare
// repository standing in for GitHub's: blobs are written with `git hash-object`, trees built from
// the base tree with the entries applied (a temporary index, `git write-tree`), commits written by
// "GitHub" (the App as author, GitHub as committer, a signature header), refs moved with
// `git update-ref` and the old value, so a branch never moves from anything but what was checked.
// Tests that read the pushed branch keep reading real content. Served by nock (gitDataApi) and by
// the local fake GitHub (fake-github.ts).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { API } from "./github-webhooks.js";

export interface GitDataCall {
  method: string;
  /** After /repos/{owner}/{repo}/: git/blobs, git/trees, git/commits, git/refs, git/refs/heads/…, git/ref/heads/… */
  path: string;
  body: Record<string, unknown>;
  status: number;
}

/** Who GitHub names as the author of the App's commits, and the committer that signs them. */
export const APP_AUTHOR = "dellm[bot] <1+dellm[bot]@users.noreply.github.com>";
export const SIGNATURE = "-----BEGIN PGP SIGNATURE-----\n\nwsBcBAABCAAQBQJnFAKEgithubfake\n-----END PGP SIGNATURE-----";

const ZERO = "0000000000000000000000000000000000000000";
const MODES = new Set(["100644", "100755", "120000", "160000", "040000"]);

type Answer = [number, unknown];

export class FakeGitData {
  readonly calls: GitDataCall[] = [];
  /** Set: every ref creation and update is refused with this message (422, as branch protection does). */
  refuseRefs: string | undefined;
  /** Runs before a ref update is applied (a test moves the branch "meanwhile" here). */
  beforeRefUpdate: (() => Promise<void>) | undefined;

  constructor(readonly bare: string) {}

  /** The calls of one kind: "blobs", "trees", "commits", "refs" (creations and updates) or "ref" (reads). */
  of(kind: "blobs" | "trees" | "commits" | "refs" | "ref"): GitDataCall[] {
    return this.calls.filter((c) => c.path === `git/${kind}` || c.path.startsWith(`git/${kind}/`));
  }

  /** GitHub's answer to `method path` (path after /repos/{owner}/{repo}/), or undefined when it is no Git data call. */
  async answer(method: string, path: string, body: Record<string, unknown>): Promise<Answer | undefined> {
    if (!path.startsWith("git/")) return undefined;
    // Octokit sends a ref's slashes as %2F (GitHub takes both).
    path = decodeURIComponent(path);
    let answer: Answer;
    try {
      answer = await this.route(method, path, body);
    } catch (error) {
      answer = [422, { message: (error as Error).message }];
    }
    this.calls.push({ method, path, body, status: answer[0] });
    return answer;
  }

  private async route(method: string, path: string, body: Record<string, unknown>): Promise<Answer> {
    const route = `${method} ${path}`;
    let match: RegExpMatchArray | null;
    if (route === "POST git/blobs") return this.blob(body);
    if (route === "POST git/trees") return this.tree(body);
    if (route === "POST git/commits") return this.commit(body);
    if (route === "POST git/refs") return this.createRef(body);
    if ((match = route.match(/^GET git\/ref\/(.+)$/))) return this.getRef(match[1]!);
    if ((match = route.match(/^PATCH git\/refs\/(.+)$/))) return this.updateRef(match[1]!, body);
    return [404, { message: `the fake Git data API does not know ${route}` }];
  }

  private async blob(body: Record<string, unknown>): Promise<Answer> {
    const encoding = body.encoding ?? "utf-8";
    if (typeof body.content !== "string" || (encoding !== "base64" && encoding !== "utf-8"))
      return [422, { message: "Invalid request: content and encoding (utf-8, base64)" }];
    const content = Buffer.from(body.content, encoding === "base64" ? "base64" : "utf8");
    const sha = (await this.git(["hash-object", "-w", "--stdin"], content)).trim();
    return [201, { sha, url: `${API}/repos/git/blobs/${sha}` }];
  }

  private async tree(body: Record<string, unknown>): Promise<Answer> {
    const entries = body.tree as { path: string; mode: string; type: string; sha?: string | null }[] | undefined;
    if (!Array.isArray(entries)) return [422, { message: "Invalid request: tree is required" }];
    const files = new Map<string, { mode: string; sha: string }>();
    if (body.base_tree !== undefined) {
      if (!(await this.has(`${String(body.base_tree)}^{tree}`))) return [422, { message: "Invalid base_tree" }];
      const listing = await this.git(["ls-tree", "-r", "-z", String(body.base_tree)]);
      for (const line of listing.split("\0").filter(Boolean)) {
        const [meta, path] = line.split("\t");
        const [mode, , sha] = meta!.split(" ");
        files.set(path!, { mode: mode!, sha: sha! });
      }
    }
    for (const entry of entries) {
      if (!MODES.has(entry.mode)) return [422, { message: `Invalid tree mode ${entry.mode}` }];
      if (entry.sha === null) {
        files.delete(entry.path);
        continue;
      }
      if (typeof entry.sha !== "string") return [422, { message: "the fake takes tree entries with a sha only" }];
      const type = entry.mode === "160000" ? "commit" : "blob";
      if (entry.type !== type) return [422, { message: `Invalid type ${entry.type} for mode ${entry.mode}` }];
      if (type === "blob" && !(await this.has(`${entry.sha}^{blob}`)))
        return [422, { message: `Invalid tree info: blob ${entry.sha} does not exist` }];
      files.set(entry.path, { mode: entry.mode, sha: entry.sha });
    }
    const scratch = await mkdtemp(join(tmpdir(), "fake-git-data-"));
    try {
      const index = { GIT_INDEX_FILE: join(scratch, "index") };
      const info = [...files].map(([path, f]) => `${f.mode} ${f.sha}\t${path}\0`).join("");
      await this.git(["update-index", "-z", "--index-info"], Buffer.from(info), index);
      const sha = (await this.git(["write-tree"], undefined, index)).trim();
      return [201, { sha, tree: [...files].map(([path, f]) => ({ path, ...f })), truncated: false }];
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  private async commit(body: Record<string, unknown>): Promise<Answer> {
    const { message, tree, parents = [] } = body as { message?: unknown; tree?: unknown; parents?: unknown };
    if (typeof message !== "string" || typeof tree !== "string" || !Array.isArray(parents))
      return [422, { message: "Invalid request: message, tree and parents" }];
    if (!(await this.has(`${tree}^{tree}`))) return [422, { message: "Tree SHA does not exist" }];
    for (const parent of parents)
      if (typeof parent !== "string" || !(await this.has(`${parent}^{commit}`)))
        return [422, { message: "Parent SHA does not exist or is not a commit object" }];
    // As GitHub writes a commit with no author given: the App's, signed (here a stand-in signature).
    const when = `${Math.floor(Date.now() / 1000)} +0000`;
    const signature = SIGNATURE.split("\n").join("\n ");
    const object = [
      `tree ${tree}`,
      ...parents.map((p) => `parent ${String(p)}`),
      `author ${APP_AUTHOR} ${when}`,
      `committer GitHub <noreply@github.com> ${when}`,
      `gpgsig ${signature}`,
      "",
      message,
    ].join("\n");
    const sha = (await this.git(["hash-object", "-t", "commit", "-w", "--stdin"], Buffer.from(object))).trim();
    return [
      201,
      {
        sha,
        tree: { sha: tree },
        parents: parents.map((p) => ({ sha: p })),
        message,
        verification: { verified: true, reason: "valid" },
      },
    ];
  }

  private async createRef(body: Record<string, unknown>): Promise<Answer> {
    const { ref, sha } = body as { ref?: unknown; sha?: unknown };
    if (typeof ref !== "string" || !/^refs\/[^/]+\/.+/.test(ref) || typeof sha !== "string")
      return [422, { message: "Reference name must start with 'refs/' and have at least two slashes" }];
    if (this.refuseRefs) return [422, { message: this.refuseRefs }];
    if (!(await this.has(`${sha}^{commit}`))) return [422, { message: "Object does not exist" }];
    // The zero old value: created only where it does not exist.
    const created = await this.git(["update-ref", "--no-deref", ref, sha, ZERO]).then(
      () => true,
      () => false,
    );
    if (!created) return [422, { message: "Reference already exists" }];
    return [201, { ref, object: { sha, type: "commit" } }];
  }

  private async getRef(ref: string): Promise<Answer> {
    const sha = await this.resolve(`refs/${ref}`);
    return sha ? [200, { ref: `refs/${ref}`, object: { sha, type: "commit" } }] : [404, { message: "Not Found" }];
  }

  private async updateRef(ref: string, body: Record<string, unknown>): Promise<Answer> {
    const { sha, force = false } = body as { sha?: unknown; force?: unknown };
    if (typeof sha !== "string") return [422, { message: "Invalid request: sha" }];
    if (this.refuseRefs) return [422, { message: this.refuseRefs }];
    await this.beforeRefUpdate?.();
    const full = `refs/${ref}`;
    const current = await this.resolve(full);
    if (!current) return [422, { message: "Reference does not exist" }];
    if (!(await this.has(`${sha}^{commit}`))) return [422, { message: "Object does not exist" }];
    if (!force) {
      const fastForward = await this.git(["merge-base", "--is-ancestor", current, sha]).then(
        () => true,
        () => false,
      );
      if (!fastForward) return [422, { message: "Update is not a fast forward" }];
    }
    // The old value: a branch moved since it was read here is not overwritten.
    const updated = await this.git(["update-ref", "--no-deref", full, sha, current]).then(
      () => true,
      () => false,
    );
    if (!updated) return [422, { message: "Update is not a fast forward" }];
    return [200, { ref: full, object: { sha, type: "commit" } }];
  }

  private async has(spec: string): Promise<boolean> {
    return this.git(["cat-file", "-e", spec]).then(
      () => true,
      () => false,
    );
  }

  private async resolve(ref: string): Promise<string | undefined> {
    const out = await this.git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(() => "");
    return out.trim() || undefined;
  }

  private git(args: string[], input?: Buffer, env: Record<string, string> = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn("git", args, {
        cwd: this.bare,
        env: { ...process.env, ...env },
        stdio: [input ? "pipe" : "ignore", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
      child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0
          ? resolve(Buffer.concat(out).toString())
          : reject(new Error(`git ${args[0]}: ${Buffer.concat(err).toString().trim()}`)),
      );
      if (input) child.stdin!.end(input);
    });
  }
}

/** The fake each repository's interceptors answer with: the latest one made for it (a test may make several remotes in turn). */
const latest = new Map<string, FakeGitData>();

/**
 * The Git data API of octo/demo (or `owner/repo`) at api.github.com through nock, backed by the bare
 * repository `remote`; a later call for the same repository takes over from this one.
 */
export function gitDataApi(remote: string, owner = "octo", repo = "demo"): FakeGitData {
  const fake = new FakeGitData(remote);
  const key = `${owner}/${repo}`;
  latest.set(key, fake);
  const prefix = `/repos/${owner}/${repo}/`;
  const path = new RegExp(`^/repos/${owner}/${repo}/git/`);
  const reply = async (request: Request): Promise<Answer> => {
    const text = await request.text();
    const at = new URL(request.url).pathname.slice(prefix.length);
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    return (await latest.get(key)!.answer(request.method, at, body))!;
  };
  nock(API).persist().get(path).reply(reply);
  nock(API).persist().post(path).reply(reply);
  nock(API).persist().patch(path).reply(reply);
  return fake;
}
