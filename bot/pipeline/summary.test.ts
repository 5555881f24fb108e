// The results block `dellm run` prints: names and reasons cannot add rows or colour the verdicts.
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { MergeOutcome } from "./merger.js";
import { resultsBlock } from "./summary.js";
import { RepositoryTestsSchema } from "./repository-check.js";

describe("resultsBlock", () => {
  it("shows file names and reasons escaped, so a name cannot add a fake passing row", () => {
    const merge: MergeOutcome = {
      branch: "dellm/j",
      commit: "c".repeat(40),
      written: [{ path: "ok.py\n- fake.py (passed tests)", taskId: 1, overwrote: null, testPassed: false }],
      skipped: [{ taskId: 2, path: "b\x1b[32m.py", reason: "no code: \rpassed" }],
    };
    const block = resultsBlock({ repoPath: "/repo", merge, results: new Map() });
    const rows = block.split("\n").filter((line) => line.startsWith("- ") && line.includes(".py"));
    expect(rows).toEqual([
      "- ok.py\\n- fake.py (passed tests) (FAILED tests - see logs)",
      "- b\\x1b[32m.py (NOT WRITTEN - no code: \\rpassed)",
    ]);
    expect(block).not.toMatch(/[\x1b\r]/);
    expect(block).toContain("git checkout dellm/j");
  });

  it("never says the task is completed when the repository's own tests regressed, even with every file passing", () => {
    const merge: MergeOutcome = {
      branch: "dellm/j",
      commit: "c".repeat(40),
      written: [{ path: "shop/models.py", taskId: 1, overwrote: "base", testPassed: true }],
      skipped: [],
    };
    const regressed = RepositoryTestsSchema.parse({
      status: "compared",
      command: "pytest -q tests",
      regressions: [{ id: "tests/test_models.py::test_total", log: "assert 2.7 == 3" }],
    });
    const block = resultsBlock({ repoPath: "/repo", merge, results: new Map(), repositoryTests: regressed });
    expect(block.split("\n")[0]).toBe("Task finished with problems.");
    expect(block).toContain("1 REGRESSED (passed before the job, fail after it): tests/test_models.py::test_total");
    expect(resultsBlock({ repoPath: "/repo", merge, results: new Map() }).split("\n")[0]).toBe("Task completed!");
  });

  it("names no branch to check out when nothing was written", () => {
    const merge: MergeOutcome = {
      branch: "dellm/j",
      commit: null,
      written: [],
      skipped: [{ taskId: 1, path: "a.py", reason: "no result arrived before the timeout" }],
    };
    const block = resultsBlock({ repoPath: "/repo", merge, results: new Map() });
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
    const merge: MergeOutcome = {
      branch: "dellm/j",
      commit: "c".repeat(40),
      written: ["fibonacci.py", "pkg/my util.py", "README.md"].map((path, i) => ({
        path,
        taskId: i + 1,
        overwrote: null,
        testPassed: true,
      })),
      skipped: [],
    };
    const command = resultsBlock({ repoPath: dir, merge, results: new Map() })
      .split("\n")
      .find((line) => line.startsWith("python -m pytest"))!;
    expect(command).toBe("python -m pytest fibonacci.py 'pkg/my util.py'");
    expect((await pytestIn(dir, "python -m pytest")).code).toBe(5); // "no tests ran": why the files are named
    const named = await pytestIn(dir, command);
    expect(named.out).toMatch(/2 passed/);
    expect(named.code).toBe(0);
  }, 60_000);
});
