// Child processes for end-to-end tests: the real `dellm` and `dellm-worker` commands, run by node
// itself with tsx as a loader (the tsx binary would put a second process in between, and a
// SIGKILL would hit that one instead of the worker), output kept so a test can wait for lines.
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
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
 * `dellm serve` as a process, configured as a registered App (a fresh key in `dir`, a free port on
 * loopback, the swarm on loopback), once its webhooks listen. `env` adds or overrides variables.
 */
export async function startServe(
  dir: string,
  { secret, env = {} }: { secret: string; env?: Record<string, string> },
): Promise<{ serve: RunningProcess; port: number; url: string }> {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  await writeFile(join(dir, "app.pem"), privateKey);
  const port = await freePort();
  const serve = startCommand(
    "bot/cli.ts",
    ["serve", "--listen", "/ip4/127.0.0.1/tcp/0"],
    testEnv({
      DELLM_STATE_DIR: join(dir, "state"),
      APP_ID: "1234",
      PRIVATE_KEY_PATH: join(dir, "app.pem"),
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
    serve.child.kill("SIGKILL");
    throw error;
  }
  return { serve, port, url };
}
