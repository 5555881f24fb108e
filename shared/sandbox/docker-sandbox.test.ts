// The REAL Docker sandbox: every result below comes from pytest inside a locked-down container.
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { DockerSandbox, SANDBOX_LABEL } from "./docker-sandbox.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
const one = (path: string, content: string) => ({ files: [{ path, content }], testTargets: [path] });

describe("DockerSandbox", () => {
  it("runs a passing module and counts its tests", async () => {
    const code =
      "def square(x):\n    return x * x\n\n\ndef test_square():\n    assert square(3) == 9\n\n\ndef test_zero():\n    assert square(0) == 0\n";
    const result = await sandbox.run(one("pkg/square.py", code));
    expect(result).toMatchObject({ success: true, tests_passed: 2, tests_failed: 0 });
    expect(result.failure_reason).toBeUndefined();
    expect(result.stdout).toMatch(/2 passed/);
    expect(result.execution_time).toBeGreaterThan(0);
  });

  it("reports failing tests with their counts and the assertion", async () => {
    const code =
      "def test_ok():\n    assert True\n\n\ndef test_bad():\n    assert 1 + 1 == 3\n\n\ndef test_err():\n    raise ValueError('boom')\n";
    const result = await sandbox.run(one("bad.py", code));
    expect(result).toMatchObject({ success: false, tests_passed: 1, tests_failed: 2 });
    expect(result.stdout).toMatch(/FAILED bad.py::test_bad - assert/);
    expect(result.failure_reason).toMatch(/some tests failed/);
  });

  it("gives each test's outcome by node id, a file that does not import as an error, and passes pytest options through", async () => {
    const files = [
      { path: "tests/test_a.py", content: "def test_ok():\n    assert True\n\n\ndef test_bad():\n    assert 1 == 2\n" },
      { path: "tests/test_b.py", content: "import missing_module\n\n\ndef test_never():\n    pass\n" },
    ];
    const result = await sandbox.run({
      files,
      testTargets: ["tests/test_a.py", "tests/test_b.py"],
      pytestArgs: ["--continue-on-collection-errors"],
    });
    // Files alone: a missing module may be the repository's, so it stays a failure (issue 11).
    expect(result.verdict).toBe("failed");
    // Inside the repository, a module no file provides and the image lacks is a missing dependency.
    const inside = await sandbox.run({
      files,
      testTargets: ["tests/test_a.py", "tests/test_b.py"],
      pytestArgs: ["--continue-on-collection-errors"],
      insideRepository: true,
    });
    expect(inside.verdict).toBe("missing_dependency");
    expect(inside.failure_reason).toMatch(/^missing dependency missing_module: add it to setup/);
    expect(inside.test_outcomes).toEqual(result.test_outcomes);
    expect(result.test_outcomes).toEqual([
      { id: "tests/test_a.py::test_ok", outcome: "passed" },
      { id: "tests/test_a.py::test_bad", outcome: "failed" },
      { id: "tests/test_b.py", outcome: "error" },
    ]);
    const selected = await sandbox.run({ files, testTargets: ["tests/test_a.py"], pytestArgs: ["-k", "ok"] });
    expect(selected).toMatchObject({ success: true, tests_passed: 1 });
    expect(selected.test_outcomes).toEqual([{ id: "tests/test_a.py::test_ok", outcome: "passed" }]);
  });

  it("reports a syntax error before running pytest", async () => {
    const result = await sandbox.run(one("broken.py", "def f(:\n    pass\n"));
    expect(result.success).toBe(false);
    expect(result.failure_reason).toMatch(/syntax check failed[\s\S]*broken\.py, line 1/);
    expect(result.tests_passed + result.tests_failed).toBe(0);
  });

  it("reports code nested too deeply to compile as such, not as failing tests", async () => {
    const result = await sandbox.run(one("deep.py", `x = 1${" + 1".repeat(100_000)}\n\ndef test_x():\n    assert x\n`));
    expect(result).toMatchObject({ success: false, verdict: "syntax_error", tests_passed: 0, tests_failed: 0 });
    expect(result.failure_reason).toMatch(/syntax check failed[\s\S]*deep\.py: RecursionError/);
  });

  it("kills an infinite loop at the timeout", async () => {
    const quick = new DockerSandbox({ timeoutSeconds: 3 });
    const result = await quick.run(one("spin.py", "def test_spin():\n    while True:\n        pass\n"));
    expect(result.success).toBe(false);
    expect(result.failure_reason).toMatch(/timed out after 3 s/);
    expect(result.execution_time).toBeGreaterThanOrEqual(3);
    expect(result.execution_time).toBeLessThan(15);
  });

  it("stops code that goes past the memory limit", async () => {
    const code =
      "def test_hog():\n    blocks = [bytearray(64 * 1024 * 1024) for _ in range(16)]\n    assert len(blocks) == 16\n";
    const result = await sandbox.run(one("hog.py", code));
    expect(result.success).toBe(false);
    expect(`${result.failure_reason} ${result.stdout}`).toMatch(/ran out of memory|MemoryError/);
  });

  it("limits the number of processes", async () => {
    const code = [
      "import subprocess, pytest",
      "def test_fork_limit():",
      "    procs = []",
      "    with pytest.raises(OSError):",
      "        for _ in range(200):",
      "            procs.append(subprocess.Popen(['sleep', '5']))",
      "    for p in procs:",
      "        p.kill()",
      "",
    ].join("\n");
    const result = await sandbox.run(one("forks.py", code));
    expect(result.stdout).toMatch(/1 passed/);
  });

  it("says so when the file has no tests", async () => {
    const result = await sandbox.run(one("lib.py", "def f():\n    return 1\n"));
    expect(result.success).toBe(false);
    expect(result.failure_reason).toMatch(/no tests ran/);
  });

  it("lets a module import the files it depends on, and runs only the target's tests", async () => {
    const result = await sandbox.run({
      files: [
        {
          path: "lib/adder.py",
          content: "def add(a, b):\n    return a + b\n\n\ndef test_never_run():\n    assert False\n",
        },
        { path: "app/calc.py", content: "from lib.adder import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n" },
      ],
      testTargets: ["app/calc.py"],
    });
    expect(result).toMatchObject({ success: true, tests_passed: 1, tests_failed: 0 });
  });

  it("has no network, no root, a read-only /code and a writable /tmp", async () => {
    const code = [
      "import os, socket, pytest",
      "def test_no_network():",
      "    with pytest.raises(OSError):",
      "        socket.create_connection(('1.1.1.1', 53), timeout=2)",
      "def test_not_root():",
      "    assert os.getuid() == 1000",
      "def test_code_read_only():",
      "    with pytest.raises(OSError):",
      "        open('/code/evil.txt', 'w')",
      "def test_root_read_only():",
      "    with pytest.raises(OSError):",
      "        open('/etc/evil', 'w')",
      "def test_tmp_writable(tmp_path):",
      "    (tmp_path / 'x').write_text('ok')",
      "",
    ].join("\n");
    const result = await sandbox.run(one("locked.py", code));
    expect(result.stdout).toMatch(/5 passed/);
    expect(result.success).toBe(true);
  });

  it("refuses file paths that leave /code", async () => {
    await expect(sandbox.run(one("../escape.py", "x = 1\n"))).rejects.toThrow(/would leave the repository/);
  });

  it("leaves no containers behind", async () => {
    const left = await new Docker().listContainers({ all: true, filters: { label: [`${SANDBOX_LABEL}=1`] } });
    expect(left).toEqual([]);
  });
});

describe("DockerSandbox output limit", () => {
  it("keeps the head and the summary of a flood of output", async () => {
    const small = new DockerSandbox({ outputLimitChars: 2_000 });
    const code = "def test_flood():\n    print('x' * 200_000)\n    assert False\n";
    const result = await small.run(one("flood.py", code));
    expect(result.stdout.length).toBeLessThan(2_200);
    expect(result.stdout).toMatch(/characters cut/);
    expect(result.tests_failed).toBe(1);
  });
});
