// The installation token on its way to git: a real git smart-HTTP remote on loopback (git
// http-backend behind a Node server that wants the token as Basic auth). While git talks to it,
// the server looks at every process's command line and at the clone's .git/config, so a token in
// either is caught at the moment it is there, not by a poll that might miss it.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bareRepository } from "../../test/git-fixtures.js";
import { Checkout, githubRemote, PushRejectedError, remoteAccess } from "./checkout.js";

interface Sightings {
  /** Requests that came with the right token; refused ones are answered 401 and counted apart. */
  authorized: number;
  refused: number;
  /** Command lines (of any process) that held the token while git was talking to the server. */
  argv: string[];
  /** Whether the clone's .git/config held the token at a request. */
  config: boolean;
  /** The clone folder's mode as seen during the requests. */
  modes: Set<number>;
}

let dir: string;
let server: Server;
let port: number;
let seen: Sightings;
let cloneDir: string;
const token = `ghs_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

/** Every process's command line that holds the token (ours are the only ones holding it). */
function commandLinesWithToken(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(token)) found.push(cmdline);
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

function look(): void {
  seen.argv.push(...commandLinesWithToken());
  try {
    if (readFileSync(join(cloneDir, ".git", "config"), "utf8").includes(token)) seen.config = true;
  } catch {
    // No config yet.
  }
  try {
    seen.modes.add(statSync(cloneDir).mode & 0o777);
  } catch {
    // No folder yet.
  }
}

/** git http-backend as CGI: the request in, its headers and body out. */
async function serveGit(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url!, "http://localhost");
  const body: Buffer[] = [];
  for await (const chunk of request) body.push(chunk as Buffer);
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: dir,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: request.method!,
      CONTENT_TYPE: request.headers["content-type"] ?? "",
      ...(request.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: request.headers["content-encoding"] } : {}),
      REMOTE_USER: "x-access-token",
      REMOTE_ADDR: "127.0.0.1",
    },
  });
  // http-backend may answer and exit before reading the whole body (a ref listing, a refused push):
  // writing the rest then fails with EPIPE, which is no error of the test.
  child.stdin.on("error", () => {});
  child.stdin.end(Buffer.concat(body));
  const out: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  await new Promise((resolve) => child.on("close", resolve));
  const output = Buffer.concat(out);
  const split = output.indexOf("\r\n\r\n");
  const headers = output.subarray(0, split).toString().split("\r\n");
  let status = 200;
  for (const line of headers) {
    const [name, ...rest] = line.split(":");
    const value = rest.join(":").trim();
    if (name!.toLowerCase() === "status") status = Number(value.split(" ")[0]);
    else response.setHeader(name!, value);
  }
  response.writeHead(status).end(output.subarray(split + 4));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-checkout-"));
  await bareRepository(dir, { "README.md": "# demo\n", "app/core.py": "x = 0\n" });
  cloneDir = join(dir, "clones", "job-1");
  seen = { authorized: 0, refused: 0, argv: [], config: false, modes: new Set() };
  const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
  server = createServer((request, response) => {
    look();
    if (request.headers.authorization !== expected) {
      seen.refused++;
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="dellm test"' }).end();
      return;
    }
    seen.authorized++;
    serveGit(request, response).catch((error: Error) => response.writeHead(500).end(error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** The bot's own GitHub URL shape, pointed at the loopback server. */
const remote = () =>
  githubRemote("octo", "remote", token).replace("https://", "http://").replace("github.com/octo", `127.0.0.1:${port}`);

describe("the installation token", () => {
  it("reaches the remote only as a header: never in a git command line or .git/config; the clone is 0700", async () => {
    expect(remote()).toContain(token); // the attack's premise: the URL the bot is given holds the token
    const checkout = await Checkout.clone(cloneDir, async () => remote());
    expect(await checkout.remoteBranch("main")).toMatch(/^[0-9a-f]{40}$/);
    expect(await checkout.remoteBranch("dellm/issue-1")).toBeNull();

    const git = simpleGit(cloneDir, { config: ["user.name=dellm", "user.email=dellm@example.com"] });
    await git.checkoutLocalBranch("dellm/issue-1");
    await git.raw(["commit", "--allow-empty", "-m", "job"]);
    await checkout.push("dellm/issue-1", null);
    const ref = await checkout.fetchBranch("dellm/issue-1");
    expect((await git.revparse([ref])).trim()).toBe((await git.revparse(["HEAD"])).trim());

    // It really went over HTTP with the token, each step: clone, ls-remote, push, fetch.
    expect(seen.authorized).toBeGreaterThanOrEqual(5);
    const modes = [...seen.modes, statSync(cloneDir).mode & 0o777].map((mode) => mode.toString(8));
    expect({ tokenInArgv: seen.argv.length > 0, tokenInConfig: seen.config, modes: [...new Set(modes)] }).toEqual({
      tokenInArgv: false,
      tokenInConfig: false,
      modes: ["700"],
    });
    expect(seen.argv).toEqual([]);
    expect(readFileSync(join(cloneDir, ".git", "config"), "utf8")).not.toContain(token);
  });

  it("is not in the error when the remote refuses the push", async () => {
    const checkout = await Checkout.clone(cloneDir, async () => remote());
    const git = simpleGit(cloneDir, { config: ["user.name=dellm", "user.email=dellm@example.com"] });
    await git.checkoutLocalBranch("dellm/issue-1");
    await git.raw(["commit", "--allow-empty", "-m", "job"]);
    await checkout.push("dellm/issue-1", null);
    await git.raw(["commit", "--allow-empty", "-m", "another"]);
    // The lease says the branch must not exist yet, but it does now: git refuses.
    const error = await checkout.push("dellm/issue-1", null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushRejectedError);
    expect((error as Error).message).toMatch(/stale info|rejected/);
    expect((error as Error).message).not.toContain(token);
    expect(seen.argv).toEqual([]);
  });

  it("is refused with no prompt when wrong, and the error does not carry it", async () => {
    const wrong = remote().replace(token, "ghs_wrong");
    const error = await Checkout.clone(cloneDir, async () => wrong).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Authentication failed|401|could not read/i);
    expect((error as Error).message).not.toContain("ghs_wrong");
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.authorized).toBe(0);
  });
});

describe("remoteAccess", () => {
  it("takes the credentials out of an https URL and leaves a local path alone", () => {
    const access = remoteAccess("https://x-access-token:a%2Fb@github.example/o/r.git");
    expect(access.url).toBe("https://github.example/o/r.git");
    expect(access.secrets).toContain("a/b");
    expect(remoteAccess("/srv/git/r.git")).toMatchObject({ url: "/srv/git/r.git", secrets: [] });
    expect(remoteAccess("https://github.com/o/r.git")).toMatchObject({
      url: "https://github.com/o/r.git",
      secrets: [],
    });
  });
});
