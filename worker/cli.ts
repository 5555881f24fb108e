#!/usr/bin/env node
// Entry point of the `dellm-worker` command (see worker/worker-command.ts).
import { existsSync } from "node:fs";
import { workerMain } from "./worker-command.js";

// Settings may live in ./.env (see .env.example); real environment variables win.
if (existsSync(".env")) process.loadEnvFile(".env");

// Exit explicitly: native model threads or docker sockets must not keep a stopped worker alive.
process.exit(await workerMain(process.argv.slice(2)));
