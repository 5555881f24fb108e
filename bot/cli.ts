#!/usr/bin/env node
// Entry point of the `dellm` command (see bot/run-command.ts).
import { main } from "./run-command.js";

// Exit explicitly: native model threads or docker sockets must not keep a finished run alive.
process.exit(await main(process.argv.slice(2)));
