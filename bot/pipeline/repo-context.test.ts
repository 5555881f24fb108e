// The planner's view of the repository: ranked file contents within the budget, and the current
// content handed to workers for files that exist (real git repositories).
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { simpleGit } from "simple-git";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../shared/schemas.js";
import { taskFixture } from "../../test/fixtures.js";
import { repositoryContext, withCurrentContent } from "./repo-context.js";

async function repo(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dellm-context-"));
  const git = simpleGit(dir, { config: ["user.name=t", "user.email=t@example.com"] });
  await git.init();
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await git.add(".").commit("seed");
  return dir;
}

describe("repository context", () => {
  it("gives the planner the repository's instructions (.github/dellm.md before AGENTS.md), bounded", async () => {
    const dir = await repo({
      ".github/dellm.md": "Use type hints everywhere. Never touch shop/legacy.py.\n",
      "AGENTS.md": "agents file\n",
      "shop/cart.py": "x = 1\n",
    });
    const context = await repositoryContext(dir, "add a cart", 4_000);
    expect(context.text).toContain(
      "The repository's instructions (.github/dellm.md), follow them:\nUse type hints everywhere.",
    );
    expect(context.text).not.toContain("agents file");
    const long = await repo({ "AGENTS.md": "rule\n".repeat(5_000) });
    const bounded = await repositoryContext(long, "x", 8_000);
    expect(bounded.text).toContain("The repository's instructions (AGENTS.md)");
    expect(bounded.text).toContain("…[cut: the file is longer]");
    expect(bounded.text.length).toBeLessThanOrEqual(8_000);
  });

  it("lists the files and shows those the issue names first, then the README, within the budget", async () => {
    const dir = await repo({
      "README.md": "# shop\n",
      "shop/cart.py": "def total(items):\n    return sum(items)\n",
      "shop/users.py": "USERS = {}\n",
      "logo.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
    });
    const context = await repositoryContext(dir, "Cart totals ignore discounts: fix total() in cart.py", 10_000);
    expect(context.files).toEqual(["README.md", "logo.png", "shop/cart.py", "shop/users.py"]);
    expect(context.shown).toEqual(["shop/cart.py", "README.md", "shop/users.py"]);
    expect(context.text).toContain("already contains these files:\nREADME.md\nlogo.png\nshop/cart.py\nshop/users.py");
    expect(context.text).toContain("--- shop/cart.py ---\ndef total(items):");
    expect(context.text).not.toContain("--- logo.png");

    const tight = await repositoryContext(dir, "fix cart.py", 280);
    expect(tight.text.length).toBeLessThanOrEqual(280);
    expect(tight.shown).toEqual(["shop/cart.py"]);
  });

  it("gives a task its file's whole content to edit (and in full to older workers when it fits), never a symlink's", async () => {
    const big = "#".repeat(LIMITS.contextChars + 1);
    const dir = await repo({ "a.py": "x = 1\n", "big.py": big, "blob.py": Buffer.from([0x41, 0x00, 0x42]) });
    await symlink("/etc/passwd", join(dir, "link.py"));
    const tasks = [
      taskFixture(1),
      { ...taskFixture(2), file: "a.py", current_content: "forged" },
      { ...taskFixture(3), file: "big.py" },
      { ...taskFixture(4), file: "link.py" },
      { ...taskFixture(5), file: "blob.py" },
    ];
    const { tasks: updated, notes } = await withCurrentContent(dir, tasks);
    expect(updated.map((t) => t.current_content)).toEqual([undefined, "x = 1\n", undefined, undefined, undefined]);
    expect(updated.map((t) => t.existing_file?.content)).toEqual([undefined, "x = 1\n", big, undefined, undefined]);
    expect(updated[1]!.existing_file!.sha256).toBe(createHash("sha256").update("x = 1\n").digest("hex"));
    expect(notes).toEqual([
      expect.stringMatching(/^blob\.py is binary or bigger than 1000000 bytes; task 5 cannot change it/),
    ]);
  });

  it("tells the planner that tests of a change go into the repository's tests/ folder", async () => {
    const withTests = await repositoryContext(await repo({ "lib/a.py": "x = 1\n", "tests/test_a.py": "" }), "a", 5_000);
    expect(withTests.text).toContain(
      "keeps its tests in tests/: when a task changes an existing module, put the tests",
    );
    const without = await repositoryContext(await repo({ "lib/a.py": "x = 1\n" }), "a", 5_000);
    expect(without.text).not.toContain("keeps its tests");
  });

  it("reads the files as they are at a given commit, not as checked out (dellm run's base)", async () => {
    const dir = await repo({ "a.py": "x = 1\n" });
    await writeFile(join(dir, "a.py"), "x = 'edited, not committed'\n");
    await writeFile(join(dir, "b.py"), "untracked\n");
    const tasks = [
      { ...taskFixture(1), file: "a.py" },
      { ...taskFixture(2), file: "b.py" },
    ];
    const { tasks: updated } = await withCurrentContent(dir, tasks, "HEAD");
    expect(updated.map((t) => t.current_content)).toEqual(["x = 1\n", undefined]);
  });
});
