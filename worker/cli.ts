#!/usr/bin/env node
// The `dellm-worker` command: reads the environment once (./.env first; real variables win), then
// runs the worker (worker/worker-command.ts) until Ctrl-C, or with `doctor` first, the volunteer's
// preflight (worker/doctor/doctor-command.ts).
import { existsSync } from "node:fs";
import { readEnv, type DellmEnv } from "../shared/config.js";
import { UsageError } from "../shared/usage-error.js";
import { DOCTOR_USAGE, doctorCommand } from "./doctor/doctor-command.js";
import { WORKER_USAGE, workerCommand } from "./worker-command.js";

type Main = (
  argv: string[],
  env: DellmEnv,
  log: (line: string) => void,
  variables: NodeJS.ProcessEnv,
) => Promise<number>;

const SUBCOMMANDS: Record<string, { main: Main; usage: string; name: string }> = {
  doctor: { main: doctorCommand, usage: DOCTOR_USAGE, name: "dellm-worker doctor" },
};
const WORKER = { main: workerCommand as Main, usage: WORKER_USAGE, name: "dellm-worker" };

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const sub = first !== undefined && Object.hasOwn(SUBCOMMANDS, first) ? SUBCOMMANDS[first] : undefined;
  const command = sub ?? WORKER;
  const args = sub ? rest : argv;
  if (args.includes("-h") || args.includes("--help")) {
    console.log(command.usage);
    return 0;
  }
  try {
    if (existsSync(".env")) process.loadEnvFile(".env");
    return await command.main(args, readEnv(process.env), console.log, process.env);
  } catch (error) {
    console.error(`${command.name}: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(`\n${command.usage}`);
    return 1;
  }
}

// Exit explicitly: native model threads or docker sockets must not keep a stopped worker alive.
process.exit(await main(process.argv.slice(2)));
