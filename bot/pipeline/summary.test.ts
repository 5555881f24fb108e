// The results block `dellm run` prints: names and reasons cannot add rows or colour the verdicts.
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileReport } from "../../test/github-job-fixture.js";
import { resultsBlock } from "./summary.js";
import { RepositoryTestsSchema } from "./repository-check.js";

const committed = { repoPath: "/repo", branch: "dellm/j", commit: "c".repeat(40) };

describe("resultsBlock", () => {
  it("shows file names and reasons escaped, so a name cannot add a fake passing row", () => {
    const block = resultsBlock({
      ...committed,
      files: [
        fileReport(1, "ok.py\n- fake.py (passed tests)", { change: "created", passed: false }),
        fileReport(2, "b\x1b[32m.py", { change: "not written", passed: false, reason: "no code: \rpassed" }),
      ],
    });
    const rows = block.split("\n").filter((line) => line.startsWith("- ") && line.includes(".py"));
    expect(rows).toEqual([
      "- ok.py\\n- fake.py (passed tests) (FAILED tests - see logs, new file)",
      "- b\\x1b[32m.py (NOT WRITTEN - no code: \\rpassed)",
    ]);
    expect(block).not.toMatch(/[\x1b\r]/);
    expect(block).toContain("git checkout dellm/j");
  });

  it("never says the task is completed when the repository's own tests regressed, even with every file passing", () => {
    const files = [fileReport(1, "shop/models.py", { lines_changed: 2 })];
    const regressed = RepositoryTestsSchema.parse({
      status: "compared",
      command: "pytest -q tests",
      regressions: [{ id: "tests/test_models.py::test_total", log: "assert 2.7 == 3" }],
    });
    const block = resultsBlock({ ...committed, files, repositoryTests: regressed });
    expect(block.split("\n")[0]).toBe("Task finished with problems.");
    expect(block).toContain("1 REGRESSED (passed before the job, fail after it): tests/test_models.py::test_total");
    expect(block).toContain("- shop/models.py (passed tests, edited (2 lines))");
    expect(resultsBlock({ ...committed, files }).split("\n")[0]).toBe("Task completed!");
  });

  it("names no branch to check out when nothing was written", () => {
    const block = resultsBlock({
      repoPath: "/repo",
      branch: "dellm/j",
      files: [
        fileReport(1, "a.py", { change: "not written", passed: false, reason: "no result arrived before the timeout" }),
      ],
    });
    expect(block).toContain("Branch: (none: no file could be written, so no branch was created)\nCommit: (none)\n");
    expect(block).not.toContain("git checkout");
  });
});

describe("the summary's test command", () => {
  // Run where the generated code runs: the sandbox image (python + pytest), with the files as a model writes them.
  const image = process.env.DELLM_SANDBOX_IMAGE || "dellm-sandbox:latest";
  const pytestIn = async (dir: string, command: string) => {
    return new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        "docker",
        [
          "run",
          "--rm",
          "--network",
          "none",
          "-v",
          `${dir}:/code:ro`,
          "-w",
          "/code",
          "-e",
          "PYTHONDONTWRITEBYTECODE=1",
          image,
          "sh",
          "-c",
          `${command} -p no:cacheprovider`,
        ],
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
  };

  it("runs the tests inside the generated modules, where a bare `python -m pytest` runs none", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-summary-"));
    await chmod(dir, 0o755);
    await mkdir(join(dir, "pkg"));
    await writeFile(
      join(dir, "fibonacci.py"),
      "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\ndef test_fib():\n    assert fib(10) == 55\n",
    );
    await writeFile(join(dir, "pkg", "my util.py"), "def test_space():\n    assert True\n");
    const files = ["fibonacci.py", "pkg/my util.py", "README.md"].map((path, i) =>
      fileReport(i + 1, path, { change: "created" }),
    );
    const command = resultsBlock({ ...committed, repoPath: dir, files })
      .split("\n")
      .find((line) => line.startsWith("python -m pytest"))!;
    expect(command).toBe("python -m pytest fibonacci.py 'pkg/my util.py'");
    expect((await pytestIn(dir, "python -m pytest")).code).toBe(5); // "no tests ran": why the files are named
    const named = await pytestIn(dir, command);
    expect(named.out).toMatch(/2 passed/);
    expect(named.code).toBe(0);
  }, 60_000);
});
