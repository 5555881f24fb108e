import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { updateEnvFile } from "./env-file.js";

describe("updateEnvFile", () => {
  it("replaces variables in place, keeps comments and others, appends new ones, owner-only", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "dellm-env-")), ".env");
    await writeFile(file, "# the app\nAPP_ID=\nPORT=3001\n");
    await updateEnvFile(file, { APP_ID: "42", WEBHOOK_SECRET: "a b#c" });
    expect(await readFile(file, "utf8")).toBe('# the app\nAPP_ID=42\nPORT=3001\nWEBHOOK_SECRET="a b#c"\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The format node's own reader (process.loadEnvFile, used by bot/cli.ts) takes:
    const { parseEnv } = await import("node:util");
    expect(parseEnv(await readFile(file, "utf8"))).toMatchObject({
      APP_ID: "42",
      PORT: "3001",
      WEBHOOK_SECRET: "a b#c",
    });
  });

  it("creates the file and refuses multi-line values", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "dellm-env-")), ".env");
    await updateEnvFile(file, { APP_ID: "7" });
    expect(await readFile(file, "utf8")).toBe("APP_ID=7\n");
    await expect(updateEnvFile(file, { PRIVATE_KEY: "a\nb" })).rejects.toThrow(/one line/);
  });
});
