#!/usr/bin/env node
// The `dellm` command: reads the environment once (./.env first; real variables win), then hands
// the rest of the command line to the command's own file in bot/commands/.
import { existsSync } from "node:fs";
import { readEnv } from "../shared/config.js";
import { UsageError } from "../shared/usage-error.js";
import { bootstrapCommand, BOOTSTRAP_USAGE } from "./commands/bootstrap.js";
import { evalCommand, EVAL_USAGE } from "./commands/eval.js";
import { runCommand, RUN_USAGE } from "./commands/run.js";
import { serveCommand, SERVE_USAGE } from "./commands/serve.js";
import { workersCommand, WORKERS_USAGE } from "./commands/workers.js";

const COMMANDS = {
  run: { main: runCommand, usage: RUN_USAGE },
  bootstrap: { main: bootstrapCommand, usage: BOOTSTRAP_USAGE },
  serve: { main: serveCommand, usage: SERVE_USAGE },
  eval: { main: evalCommand, usage: EVAL_USAGE },
  workers: { main: workersCommand, usage: WORKERS_USAGE },
} as const;

const OVERVIEW = `Usage:
  dellm run "<coding request>" --repo <path> [--swarm] [options]   plan, solve, test and commit
  dellm serve [options]            the GitHub App (settings: .env.example)
  dellm bootstrap [options]        a bare swarm node that others can join
  dellm eval [options]             measure the pipeline on the evaluation suite
  dellm workers [options]          the volunteers seen, their record and standing; block or trust one

dellm <command> --help shows the command's options.`;

/** Returns the exit code: 0 all passed, 2 finished with failures, 1 error. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "-h" || name === "--help" || name === "help") {
    console.log(OVERVIEW);
    return name ? 0 : 1;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name as keyof typeof COMMANDS] : undefined;
  if (!command) {
    console.error(`dellm: unknown command "${name}"\n\n${OVERVIEW}`);
    return 1;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    console.log(command.usage);
    return 0;
  }
  try {
    if (existsSync(".env")) process.loadEnvFile(".env");
    return await command.main(rest, { env: readEnv(process.env), variables: process.env, log: console.log });
  } catch (error) {
    console.error(`dellm: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(`\n${command.usage}`);
    return 1;
  }
}

// Exit explicitly: native model threads or docker sockets must not keep a finished run alive.
process.exit(await main(process.argv.slice(2)));
