// The snapshot a sandbox run copies: the commit's tracked text files; binaries, large files, links
// and untracked files stay out (listed), and a repository over the limit is refused with the setting.
import { execFileSync } from "node:child_process";
import { mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_SNAPSHOT_FILE_BYTES, repositorySnapshot, SnapshotTooLargeError } from "./repository-snapshot.js";

async function repository(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dellm-snapshot-"));
  await writeFile(join(dir, "models.py"), "class Item:\n    pass\n");
  await writeFile(join(dir, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]));
  await writeFile(join(dir, "data.csv"), "a,b\n".repeat(MAX_SNAPSHOT_FILE_BYTES / 4 + 1));
  await symlink("models.py", join(dir, "alias.py"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "base");
  await writeFile(join(dir, "untracked.py"), "x = 1\n");
  return dir;
}

describe("repositorySnapshot", () => {
  it("copies the tracked text files and lists what it left out, with why", async () => {
    const snapshot = await repositorySnapshot(await repository(), "main");
    expect(snapshot.files.map((f) => f.path)).toEqual(["models.py"]);
    expect(snapshot.leftOut).toEqual(
      expect.arrayContaining([
        { path: "alias.py", reason: "symbolic link" },
        { path: "data.csv", reason: "large (1.0 MB)" },
        { path: "logo.png", reason: "binary" },
      ]),
    );
    expect(snapshot.leftOut).toHaveLength(3);
    expect(snapshot.bytes).toBe(Buffer.byteLength("class Item:\n    pass\n"));
  });

  it("refuses a repository whose text files pass the limit, naming the setting (large files do not count)", async () => {
    const dir = await repository();
    await expect(repositorySnapshot(dir, "main", 10)).rejects.toThrow(SnapshotTooLargeError);
    await expect(repositorySnapshot(dir, "main", 10)).rejects.toThrow(
      /raise snapshot_limit_mb in \.github\/dellm\.yml/,
    );
    await expect(repositorySnapshot(dir, "main", 100)).resolves.toMatchObject({ bytes: 21 });
  });
});
