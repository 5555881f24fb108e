// A local server that speaks the part of GitHub's REST API (GitHub Enterprise paths, /api/v3) a
// `dellm serve` job uses, for any number of repositories and installations at once: the load
// bench's stand-in for GitHub (test/fake-github.ts serves one repository). Every issue comment and
// pull request is kept with the time GitHub received it, so the bench can time acknowledgments and
// count duplicates; routes it does not know are answered 404 and counted.
import { FakeGitData } from "../test/fake-git-data.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface PostedComment {
  id: number;
  /** owner/repo#number */
  issue: string;
  body: string;
  /** performance.now() in this process when the POST arrived. */
  at: number;
}

export interface OpenedPull {
  number: number;
  repository: string;
  head: string;
  at: number;
}

export interface LoadGitHub {
  /** host:port, for GHE_HOST. */
  host: string;
  comments: PostedComment[];
  /** Each edit of a comment, as it stood after the edit, with the time the PATCH arrived. */
  edits: PostedComment[];
  pulls: OpenedPull[];
  /** Requests answered, by route kind. */
  counts: Map<string, number>;
  /** Routes this server does not know (method and path), answered 404. */
  unknown: string[];
  /** When each write (POST, PATCH, PUT, DELETE but the token's) arrived: GitHub paces these per client. */
  writes: number[];
  stop(): Promise<void>;
}

const REPO = "/api/v3/repos/([^/]+)/([^/]+)";

/**
 * `remoteOf`: each repository's bare remote, for the Git data endpoints the App commits through
 * (answered from it by test/fake-git-data.ts); omitted = those endpoints are unknown routes.
 */
export async function startLoadGitHub(remoteOf?: (owner: string, repo: string) => string): Promise<LoadGitHub> {
  const gitData = new Map<string, FakeGitData>();
  const comments: PostedComment[] = [];
  const edits: PostedComment[] = [];
  const pulls: OpenedPull[] = [];
  const counts = new Map<string, number>();
  const unknown: string[] = [];
  const writes: number[] = [];
  let checkRuns = 0;
  const count = (kind: string) => counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      const at = performance.now();
      const url = new URL(req.url ?? "/", "http://localhost");
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        // a body that is not JSON: the routes below read nothing from it
      }
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(payload));
      };
      const route = `${req.method} ${url.pathname}`;
      if (req.method !== "GET" && !url.pathname.endsWith("/access_tokens")) writes.push(at);
      let m: RegExpMatchArray | null;
      if (remoteOf && (m = url.pathname.match(new RegExp(`^${REPO}/git/(.+)$`)))) {
        const [, owner, repo, path] = m as unknown as [string, string, string, string];
        count("git_data");
        const key = `${owner}/${repo}`;
        if (!gitData.has(key)) gitData.set(key, new FakeGitData(remoteOf(owner, repo)));
        gitData
          .get(key)!
          .answer(req.method ?? "", `git/${path}`, body)
          .then(
            (answer) => send(...(answer ?? [404, { message: `the fake Git data API does not know ${route}` }])),
            (error: Error) => send(500, { message: error.message }),
          );
        return;
      }
      if ((m = route.match(/^POST \/api\/v3\/app\/installations\/(\d+)\/access_tokens$/))) {
        count("access_tokens");
        return send(201, { token: `ghs_fake_${m[1]}`, expires_at: "2099-01-01T00:00:00Z" });
      }
      if ((m = route.match(new RegExp(`^GET ${REPO}/collaborators/([^/]+)/permission$`)))) {
        count("permission");
        return send(200, { permission: "write" });
      }
      if (route.includes("/contents/")) {
        count("contents");
        return send(404, { message: "Not Found" });
      }
      if ((m = route.match(new RegExp(`^POST ${REPO}/issues/(\\d+)/comments$`)))) {
        count("comment");
        const comment = { id: 1000 + comments.length, issue: `${m[1]}/${m[2]}#${m[3]}`, body: String(body.body), at };
        comments.push(comment);
        return send(201, { id: comment.id, body: comment.body });
      }
      if ((m = route.match(new RegExp(`^PATCH ${REPO}/issues/comments/(\\d+)$`)))) {
        count("comment edit");
        const comment = comments.find((c) => c.id === Number(m![3]));
        if (comment) {
          comment.body = String(body.body);
          edits.push({ ...comment, at });
        }
        return send(comment ? 200 : 404, comment ? { id: comment.id } : { message: "Not Found" });
      }
      if ((m = route.match(new RegExp(`^GET ${REPO}/pulls$`)))) {
        count("pulls list");
        const repository = `${m[1]}/${m[2]}`;
        const head = url.searchParams.get("head")?.split(":")[1];
        return send(
          200,
          pulls
            .filter((p) => p.repository === repository && p.head === head)
            .map((p) => ({ number: p.number, html_url: `https://github.example/${repository}/pull/${p.number}` })),
        );
      }
      if ((m = route.match(new RegExp(`^POST ${REPO}/pulls$`)))) {
        count("pull create");
        const repository = `${m[1]}/${m[2]}`;
        const pull = { number: 100 + pulls.length, repository, head: String(body.head), at };
        pulls.push(pull);
        return send(201, { number: pull.number, html_url: `https://github.example/${repository}/pull/${pull.number}` });
      }
      if ((m = route.match(new RegExp(`^PATCH ${REPO}/pulls/(\\d+)$`)))) {
        count("pull update");
        return send(200, { number: Number(m[3]) });
      }
      if (new RegExp(`^POST ${REPO}/check-runs$`).test(route)) {
        count("check run");
        return send(201, { id: ++checkRuns });
      }
      if (new RegExp(`^PATCH ${REPO}/check-runs/\\d+$`).test(route)) {
        count("check run update");
        return send(200, {});
      }
      unknown.push(route);
      send(404, { message: `the load bench's GitHub does not know ${route}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    comments,
    edits,
    pulls,
    counts,
    unknown,
    writes,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
