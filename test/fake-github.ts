// A local server that speaks the part of GitHub's REST API the app uses (GitHub Enterprise paths,
// /api/v3), for tests where the bot runs as its own process and nock cannot reach it. It keeps
// state like GitHub does (comments, pull requests; with a bare repository, the Git data API on it:
// fake-git-data.ts) and records every request.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGitData } from "./fake-git-data.js";

export interface SeenRequest {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

export interface FakeGitHub {
  /** host:port, for GHE_HOST. */
  host: string;
  requests: SeenRequest[];
  pulls: { number: number; head: string; body: string }[];
  comments: { id: number; body: string }[];
  /** The Git data API (blobs, trees, commits, refs) on the `remote` given, with its calls. */
  gitData: FakeGitData | undefined;
  stop(): Promise<void>;
}

export async function startFakeGitHub(
  owner: string,
  repo: string,
  permissions: Record<string, string>,
  /** The bare repository standing in for the repository's on GitHub, where the App's commits land. */
  remote?: string,
): Promise<FakeGitHub> {
  const requests: SeenRequest[] = [];
  const pulls: FakeGitHub["pulls"] = [];
  const comments: FakeGitHub["comments"] = [];
  const base = `/api/v3/repos/${owner}/${repo}`;
  let checkRuns = 0;
  const gitData = remote === undefined ? undefined : new FakeGitData(remote);
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      requests.push({ method: req.method ?? "", path: url.pathname + url.search, body });
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(payload));
      };
      const route = `${req.method} ${url.pathname}`;
      if (gitData && url.pathname.startsWith(`${base}/git/`)) {
        gitData.answer(req.method ?? "", url.pathname.slice(base.length + 1), body).then(
          (answer) => send(...answer!),
          (error: Error) => send(500, { message: error.message }),
        );
        return;
      }
      let match: RegExpMatchArray | null;
      if ((match = route.match(/^POST \/api\/v3\/app\/installations\/(\d+)\/access_tokens$/)))
        return send(201, { token: `ghs_fake_${match[1]}`, expires_at: "2099-01-01T00:00:00Z" });
      if ((match = route.match(new RegExp(`^GET ${base}/collaborators/([^/]+)/permission$`))))
        return send(200, { permission: permissions[match[1]!] ?? "none" });
      if (route.includes("/contents/")) return send(404, { message: "Not Found" });
      if ((match = route.match(new RegExp(`^POST ${base}/issues/(\\d+)/comments$`)))) {
        const comment = { id: 1000 + comments.length, body: String(body.body) };
        comments.push(comment);
        return send(201, comment);
      }
      if ((match = route.match(new RegExp(`^PATCH ${base}/issues/comments/(\\d+)$`)))) {
        const comment = comments.find((c) => c.id === Number(match![1]));
        if (comment) comment.body = String(body.body);
        return send(comment ? 200 : 404, comment ?? { message: "Not Found" });
      }
      if (route === `GET ${base}/pulls`) {
        const head = url.searchParams.get("head")?.split(":")[1];
        return send(
          200,
          pulls
            .filter((p) => p.head === head)
            .map((p) => ({ number: p.number, html_url: `https://github.example/${owner}/${repo}/pull/${p.number}` })),
        );
      }
      if (route === `POST ${base}/pulls`) {
        const pull = { number: 100 + pulls.length, head: String(body.head), body: String(body.body) };
        pulls.push(pull);
        return send(201, {
          number: pull.number,
          html_url: `https://github.example/${owner}/${repo}/pull/${pull.number}`,
        });
      }
      if ((match = route.match(new RegExp(`^PATCH ${base}/pulls/(\\d+)$`)))) {
        const pull = pulls.find((p) => p.number === Number(match![1]));
        if (pull) pull.body = String(body.body);
        return send(pull ? 200 : 404, pull ?? { message: "Not Found" });
      }
      if (route === `POST ${base}/check-runs`) return send(201, { id: ++checkRuns });
      if (new RegExp(`^PATCH ${base}/check-runs/\\d+$`).test(route)) return send(200, {});
      send(404, { message: `the fake GitHub does not know ${route}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    pulls,
    comments,
    gitData,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
