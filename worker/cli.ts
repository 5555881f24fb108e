#!/usr/bin/env node
// The `dellm-worker` command: reads the environment once (./.env first; real variables win), then
// runs the worker (worker/worker-command.ts) until Ctrl-C.
import { existsSync } from "node:fs";
import { readEnv } from "../shared/config.js";
import { UsageError } from "../shared/usage-error.js";
import { WORKER_USAGE, workerCommand } from "./worker-command.js";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log(WORKER_USAGE);
    return 0;
  }
  try {
    if (existsSync(".env")) process.loadEnvFile(".env");
    return await workerCommand(argv, readEnv(process.env));
  } catch (error) {
    console.error(`dellm-worker: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(`\n${WORKER_USAGE}`);
    return 1;
  }
}

// Exit explicitly: native model threads or docker sockets must not keep a stopped worker alive.
process.exit(await main(process.argv.slice(2)));
