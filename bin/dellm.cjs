#!/usr/bin/env node
// The installed `dellm` command: checks the Node.js version before loading anything (bin/node22.cjs).
require("./node22.cjs").runEntry("dist/bot/cli.js", "dellm");
