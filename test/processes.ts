// Child processes for end-to-end tests: the real `dellm` and `dellm-worker` commands, run by node
// itself with tsx as a loader (the tsx binary would put a second process in between, and a
// SIGKILL would hit that one instead of the worker), output kept so a test can wait for lines.
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export interface RunningProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process ends first or at the deadline. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Environment without keys or model settings from the developer's shell. */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const {
    ANTHROPIC_API_KEY: _key,
    MODEL_PATH: _model,
    DELLM_BOOTSTRAP_PEERS: _peers,
    DELLM_COORDINATOR: _coordinator,
    ...rest
  } = process.env;
  return { ...rest, ...extra };
}

/** `cwd`: run in another folder (its .env, app.yml); the script and tsx are still this checkout's. */
export function startCommand(
  script: "bot/cli.ts" | "worker/cli.ts",
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string } = {},
): RunningProcess {
  const tsx = import.meta.resolve("tsx");
  const child = spawn(
    process.execPath,
    ["--import", tsx, fileURLToPath(new URL(`../${script}`, import.meta.url)), ...args],
    { env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] },
  );
  return watchProcess(child);
}

/** `npm run <script> -- <args>` in this checkout, as an operator starts it: npm → sh → bin/node22.cjs → node. */
export function startNpmScript(script: "dellm" | "worker", args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn("npm", ["run", "--silent", script, "--", ...args], {
    env,
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  return watchProcess(child);
}

/** The process and every process below it now (Linux /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    const parent = statOf(Number(name))?.ppid;
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Whether the process still runs (a zombie, ended but not yet reaped, does not). */
export function isRunning(pid: number): boolean {
  const state = statOf(pid)?.state;
  return state !== undefined && state !== "Z" && state !== "X";
}

function statOf(pid: number): { state: string; ppid: number } | undefined {
  try {
    // "pid (comm) state ppid …": comm may hold spaces or parentheses, so read after the last ")".
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const [state, ppid] = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined; // gone
  }
}

/** Keep a child's output so a test can wait for lines (stdout and stderr must be pipes). */
export function watchProcess(child: ChildProcess): RunningProcess {
  let text = "";
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  // "close", not "exit": by then all of the output has been read.
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      ended = true;
      resolve(code);
      for (const waiter of [...waiters]) waiter();
    }),
  );
  return {
    child,
    output: () => text,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern} in:\n${text}`)), timeoutMs);
        const check = () => {
          const match = text.match(pattern);
          if (match) finish(undefined, match);
          else if (ended) finish(new Error(`process ended before printing ${pattern}:\n${text}`));
        };
        function finish(error?: Error, match?: RegExpMatchArray) {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(match!);
        }
        waiters.add(check);
        check();
      });
    },
  };
}

/** A TCP port free on loopback right now (for servers that do not take port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `dellm serve` as a process, configured as a registered App (a fresh key in `dir`, kept for a
 * restart in the same `dir`; a free port on loopback, the swarm on loopback), once its webhooks
 * listen. `env` adds or overrides variables.
 */
export async function startServe(
  dir: string,
  {
    secret,
    env = {},
    via = "node",
    port: webhookPort,
    swarmPort = 0,
  }: {
    secret: string;
    env?: Record<string, string>;
    /** The webhook port (default: a free one); a restart that keeps it keeps the URL GitHub posts to. */
    port?: number;
    /** The swarm's TCP port (default: any); a restart that keeps it keeps the address workers dial. */
    swarmPort?: number;
    /** "npm": through `npm run dellm -- serve` and the bin/node22.cjs launcher, as an operator starts it. */
    via?: "node" | "npm";
  },
): Promise<{ serve: RunningProcess; port: number; url: string }> {
  const keyPath = join(dir, "app.pem");
  if (!existsSync(keyPath)) {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    await writeFile(keyPath, privateKey);
  }
  const port = webhookPort ?? (await freePort());
  const start = (args: string[], variables: NodeJS.ProcessEnv) =>
    via === "npm" ? startNpmScript("dellm", args, variables) : startCommand("bot/cli.ts", args, variables);
  const serve = start(
    ["serve", "--listen", `/ip4/127.0.0.1/tcp/${swarmPort}`],
    testEnv({
      DELLM_STATE_DIR: join(dir, "state"),
      APP_ID: "1234",
      PRIVATE_KEY_PATH: keyPath,
      WEBHOOK_SECRET: secret,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...env,
    }),
  );
  const url = `http://127.0.0.1:${port}/api/github/webhooks`;
  try {
    await serve.waitFor(new RegExp(`webhooks on ${url.replace(/[.]/g, "\\.")}`));
  } catch (error) {
    for (const pid of processTree(serve.child.pid!).reverse()) process.kill(pid, "SIGKILL");
    throw error;
  }
  return { serve, port, url };
}
