// dellm-worker's options: the snapshot cache (where repository snapshots are kept and how much), the DHT mode.
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readEnv } from "../shared/config.js";
import { defaultCacheDir } from "./snapshot-cache.js";
import { parseWorkerArgs, WORKER_USAGE } from "./worker-command.js";

const env = readEnv({});
const workerArgs = ["--bootstrap", "/ip4/127.0.0.1/tcp/4001", "--coordinator", "12D3KooWpeer"];

describe("dellm-worker --cache-dir / --cache-mb", () => {
  it("default to the XDG cache folder and 1024 MiB, and say so in the usage text", () => {
    expect(parseWorkerArgs(workerArgs, env)).toMatchObject({ cacheDir: defaultCacheDir(), cacheMb: 1024 });
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/dellm/snapshots");
    expect(defaultCacheDir({})).toBe(join(homedir(), ".cache", "dellm", "snapshots"));
    expect(WORKER_USAGE).toContain("~/.cache/dellm/snapshots");
    expect(WORKER_USAGE).toMatch(/--cache-mb <n>[\s\S]*default 1024/);
  });

  it("take a folder and a positive size", () => {
    expect(parseWorkerArgs([...workerArgs, "--cache-dir", "/c", "--cache-mb", "64"], env)).toMatchObject({
      cacheDir: "/c",
      cacheMb: 64,
    });
    expect(() => parseWorkerArgs([...workerArgs, "--cache-mb", "0"], env)).toThrow(/--cache-mb must be above 0/);
  });
});

describe("dellm-worker --dht-server / --dht-client", () => {
  it("decide by dial-back unless told, and refuse both at once with the fix", () => {
    expect(parseWorkerArgs(workerArgs, env).dht).toBe("auto");
    expect(parseWorkerArgs([...workerArgs, "--dht-server"], env).dht).toBe("server");
    expect(parseWorkerArgs([...workerArgs, "--dht-client"], env).dht).toBe("client");
    expect(() => parseWorkerArgs([...workerArgs, "--dht-server", "--dht-client"], env)).toThrow(
      /give --dht-server or --dht-client, not both/,
    );
    expect(WORKER_USAGE).toMatch(/--dht-client[\s\S]*--dht-server[\s\S]*dial this machine back/);
  });
});
