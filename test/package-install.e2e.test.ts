// The package as a volunteer or bot operator installs it: `npm pack` (which builds dist/ on
// prepack), then `npm install -g` into a temporary prefix, then the `dellm` and `dellm-worker`
// commands npm links. Offline: the tarball's dependencies are this checkout's node_modules, linked
// into the unpacked package, so npm has nothing to fetch. Also: on a node older than 22.12 the
// bins print the one-line fix instead of crashing, and the checkout's launcher (bin/node22.cjs,
// behind the npm scripts) runs the command on a new enough node.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};
// npm and the linked bins must find this (new enough) node first.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };

/** A preload that makes node report an old version, as the machine's own node 20 would. */
const OLD_NODE = `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "20.18.0" } });\n`;

async function command(
  file: string,
  args: string[],
  options: { cwd?: string; execArgv?: string[]; path?: string } = {},
): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...(options.execArgv ?? []), file, ...args], {
      cwd: options.cwd,
      env: { ...env, PATH: options.path ?? env.PATH },
      timeout: 60_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : 1,
      out: `${failed.stdout ?? ""}${failed.stderr ?? ""}`,
    };
  }
}

describe("npm pack → npm install -g", () => {
  let dir: string;
  let prefix: string;
  let tarballFiles: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dellm-install-"));
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir], {
      cwd: ROOT,
      env,
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    tarballFiles = packed!.files.map((f) => f.path);
    const unpacked = join(dir, "unpacked");
    await mkdir(unpacked);
    await run("tar", ["xzf", join(dir, packed!.filename), "-C", unpacked, "--strip-components=1"]);
    await symlink(join(ROOT, "node_modules"), join(unpacked, "node_modules"));
    prefix = join(dir, "prefix");
    await run("npm", ["install", "--global", "--offline", "--no-audit", "--no-fund", "--prefix", prefix, unpacked], {
      env,
      timeout: 60_000,
    });
  }, 180_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is published under a name of ours, not the unrelated npm package `dellm`", () => {
    expect(pkg.name).not.toBe("dellm");
    expect(Object.keys(pkg.bin).sort()).toEqual(["dellm", "dellm-worker"]);
  });

  it("ships the built commands and what they read at run time, and no tests or sources", () => {
    for (const file of [
      "dist/bot/cli.js",
      "dist/worker/cli.js",
      "bin/node22.cjs",
      "app.yml",
      "docker/Dockerfile.sandbox",
      "scripts/build-sandbox-image.sh",
    ])
      expect(tarballFiles).toContain(file);
    expect(tarballFiles.filter((f) => f.endsWith(".test.js") || f.endsWith(".ts") || f.startsWith("test/"))).toEqual(
      [],
    );
  });

  it("links working dellm and dellm-worker commands", async () => {
    for (const [name, usage] of [
      ["dellm", /dellm run "<coding request>"/],
      ["dellm-worker", /dellm-worker --bootstrap <multiaddr>/],
    ] as const) {
      const bin = join(prefix, "bin", name);
      expect(existsSync(bin), `${bin} exists`).toBe(true);
      const { code, out } = await command(bin, ["--help"], { cwd: dir });
      expect(out).toMatch(usage);
      expect(code).toBe(0);
    }
    // A command that loads the whole command (options, schemas) and refuses a bad option by name.
    const refused = await command(join(prefix, "bin", "dellm"), ["run", "x", "--repo", "r", "--workers", "0"], {
      cwd: dir,
    });
    expect(refused.out).toContain("--workers must be at least 1");
    expect(refused.code).toBe(1);
  });

  it("prints the one-line fix, not a crash, on a node older than 22.12 (and none newer on PATH)", async () => {
    const preload = join(dir, "old-node.cjs");
    await writeFile(preload, OLD_NODE);
    for (const name of ["dellm", "dellm-worker"]) {
      const { code, out } = await command(join(prefix, "bin", name), ["--help"], {
        cwd: dir,
        execArgv: ["--require", preload],
        path: "/nonexistent",
      });
      expect(out.trim()).toBe(
        `${name}: needs Node.js 22.12 or newer, this is 20.18.0; install it (https://nodejs.org, or \`nvm install 22\`) and run ${name} again`,
      );
      expect(code).toBe(1);
    }
  });
});

describe("bin/node22.cjs (the npm scripts' launcher in a checkout)", () => {
  it("runs the command on a node >= 22.12 even when started by an old one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-launcher-"));
    try {
      const preload = join(dir, "old-node.cjs");
      await writeFile(preload, OLD_NODE);
      const { code, out } = await command(
        join(ROOT, "bin", "node22.cjs"),
        ["-e", "console.log(process.versions.node, typeof Promise.withResolvers)"],
        { execArgv: ["--require", preload] },
      );
      const [major, minor] = out.trim().split(".").map(Number);
      expect(major! > 22 || (major === 22 && minor! >= 12), out).toBe(true);
      expect(out).toContain("function");
      expect(code).toBe(0);
      // Exit codes come back through the launcher (dellm run: 2 = finished with failures).
      expect(
        (
          await command(join(ROOT, "bin", "node22.cjs"), ["-e", "process.exit(2)"], {
            execArgv: ["--require", preload],
          })
        ).code,
      ).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
