// The REAL Docker sandbox: every result below comes from pytest inside a locked-down container.
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { demultiplex, DockerSandbox, SANDBOX_LABEL } from "./docker-sandbox.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 20 });
const one = (path: string, content: string) => ({ files: [{ path, content }], testTargets: [path] });

describe("DockerSandbox", () => {
  it("runs a passing module and counts its tests", async () => {
    const code = "def square(x):\n    return x * x\n\n\ndef test_square():\n    assert square(3) == 9\n\n\ndef test_zero():\n    assert square(0) == 0\n";
    const result = await sandbox.run(one("pkg/square.py", code));
    expect(result).toMatchObject({ success: true, tests_passed: 2, tests_failed: 0 });
    expect(result.failure_reason).toBeUndefined();
    expect(result.stdout).toMatch(/2 passed/);
    expect(result.execution_time).toBeGreaterThan(0);
  });

  it("reports failing tests with their counts and the assertion", async () => {
    const code = "def test_ok():\n    assert True\n\n\ndef test_bad():\n    assert 1 + 1 == 3\n\n\ndef test_err():\n    raise ValueError('boom')\n";
    const result = await sandbox.run(one("bad.py", code));
    expect(result).toMatchObject({ success: false, tests_passed: 1, tests_failed: 2 });
    expect(result.stdout).toMatch(/assert 2 == 3/);
    expect(result.failure_reason).toMatch(/some tests failed/);
  });

  it("reports a syntax error before running pytest", async () => {
    const result = await sandbox.run(one("broken.py", "def f(:\n    pass\n"));
    expect(result.success).toBe(false);
    expect(result.failure_reason).toMatch(/syntax check failed[\s\S]*broken\.py, line 1/);
    expect(result.tests_passed + result.tests_failed).toBe(0);
  });

  it("kills an infinite loop at the timeout", async () => {
    const quick = new DockerSandbox({ timeoutSeconds: 3 });
    const result = await quick.run(one("spin.py", "def test_spin():\n    while True:\n        pass\n"));
    expect(result.success).toBe(false);
    expect(result.failure_reason).toMatch(/timed out after 3 s/);
    expect(result.execution_time).toBeGreaterThanOrEqual(3);
    expect(result.execution_time).toBeLessThan(15);
  });

  it("says so when the file has no tests", async () => {
    const result = await sandbox.run(one("lib.py", "def f():\n    return 1\n"));
    expect(result.success).toBe(false);
    expect(result.failure_reason).toMatch(/no tests ran/);
  });

  it("lets a module import the files it depends on, and runs only the target's tests", async () => {
    const result = await sandbox.run({
      files: [
        { path: "lib/adder.py", content: "def add(a, b):\n    return a + b\n\n\ndef test_never_run():\n    assert False\n" },
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

describe("demultiplex", () => {
  it("splits Docker's framed log stream into stdout and stderr", () => {
    const frame = (stream: number, text: string) => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    };
    const raw = Buffer.concat([frame(1, "out1 "), frame(2, "err"), frame(1, "out2")]);
    expect(demultiplex(raw)).toEqual({ stdout: "out1 out2", stderr: "err" });
  });
});
