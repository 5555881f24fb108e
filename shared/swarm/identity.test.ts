import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { chmod, mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateIdentity } from "./identity.js";

describe("loadOrCreateIdentity", () => {
  it("creates an Ed25519 key once, private to its owner, and keeps the peer id across loads", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "dellm-identity-")), "keys", "bot.key");
    const first = await loadOrCreateIdentity(path);
    const second = await loadOrCreateIdentity(path);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(first.privateKey.type).toBe("Ed25519");
    expect(peerIdFromPrivateKey(second.privateKey).toString()).toBe(peerIdFromPrivateKey(first.privateKey).toString());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("tightens a readable key file and refuses a file that is not a key", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-identity-"));
    const path = join(dir, "bot.key");
    await loadOrCreateIdentity(path);
    await chmod(path, 0o644);
    await loadOrCreateIdentity(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const junk = join(dir, "junk.key");
    await writeFile(junk, "hello");
    await expect(loadOrCreateIdentity(junk)).rejects.toThrow(/is not a libp2p private key; move it away/);
  });
});
