#!/usr/bin/env node
// The installed `dellm-worker` command: checks the Node.js version before loading anything (bin/node22.cjs).
require("./node22.cjs").runEntry("dist/worker/cli.js", "dellm-worker");
