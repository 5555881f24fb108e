#!/usr/bin/env node
// Entry point of the `dellm` command (see bot/run-command.ts).
import { existsSync } from "node:fs";
import { main } from "./commands/run.js";

// Settings may live in ./.env (see .env.example); real environment variables win.
if (existsSync(".env")) process.loadEnvFile(".env");

// Exit explicitly: native model threads or docker sockets must not keep a finished run alive.
process.exit(await main(process.argv.slice(2)));
