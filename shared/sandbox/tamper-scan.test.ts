// The tamper scan, run the way the sandbox runs it: Python's own ast parser inside the sandbox
// image (one container for the whole table).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SANDBOX_IMAGE } from "../config.js";
import { TAMPER_SCAN_PY } from "./tamper-scan.js";

const lines = (...text: string[]) => `${text.join("\n")}\n`;

/** source → a finding it must produce ("<what> at line N"). */
const TAMPERING: [string, RegExp][] = [
  [lines("import atexit", "atexit.register(print)"), /^atexit\.register at line 2$/],
  [lines("from atexit import register as on_exit", "on_exit(print)"), /^atexit\.register at line 2$/],
  [lines("__import__('atexit').register(print)"), /^atexit\.register at line 1$/],
  [lines("import os", "os._exit(0)"), /^os\._exit at line 2$/],
  [lines("import os", "def helper():", "    getattr(os, '_exit')(0)"), /^os\._exit at line 3$/],
  [lines("import sys", "sys.exit(0)"), /^sys\.exit at module level at line 2$/],
  [lines("import sys", "def test_x():", "    sys.exit(0)"), /^sys\.exit at line 3$/],
  [lines("def test_x():", "    exit(0)"), /^exit\(\) at line 2$/],
  [lines("raise SystemExit(0)"), /^raise SystemExit at module level at line 1$/],
  [lines("import pytest", "def test_a():", "    pytest.exit('done', returncode=0)"), /^pytest\.exit at line 3$/],
  [lines("from pytest import exit", "exit('done')"), /^pytest\.exit at line 2$/],
  [
    lines("def pytest_runtest_makereport(item, call):", "    pass"),
    /^pytest hook pytest_runtest_makereport at line 1$/,
  ],
  [lines("pytest_plugins = ['x']"), /^pytest_plugins at line 1$/],
  [lines("globals()['pytest_' + 'plugins'] = []"), /^write through globals\(\) at line 1$/],
  [
    lines("def test_a(request):", "    request.config.pluginmanager.register(object())"),
    /^pytest's plugin manager at line 2$/,
  ],
  [lines("import sys", "sys.modules['json'] = None"), /^write to sys\.modules at line 2$/],
  [lines("import sys", "sys.modules.update({})"), /^write to sys\.modules \(update\) at line 2$/],
  [lines("import sys", "del sys.modules['os']"), /^write to sys\.modules at line 2$/],
  [lines("import sys", "sys.meta_path.insert(0, object())"), /^import hook \(sys\.meta_path\) at line 2$/],
  [
    lines("import pytest", "pytest.approx = None"),
    /^assignment to an attribute of pytest \(pytest\.approx\) at line 2$/,
  ],
  [
    lines("from pytest import Item", "Item.runtest = None"),
    /^assignment to an attribute of pytest \(pytest\.Item\.runtest\) at line 2$/,
  ],
  [
    lines("import pytest", "def test_a(monkeypatch):", "    monkeypatch.setattr(pytest, 'fail', print)"),
    /^setattr\(\) on pytest \(pytest\) at line 3$/,
  ],
  [lines("import _pytest.runner"), /^import of _pytest \(pytest's internals\) at line 1$/],
  [lines("from _pytest import runner"), /^import of _pytest \(pytest's internals\) at line 1$/],
  [
    lines("import importlib", "importlib.import_module('_pytest.runner')"),
    /^import of _pytest \(pytest's internals\) at line 2$/,
  ],
  [
    lines("def test_a(monkeypatch):", "    monkeypatch.setattr('_pytest.runner.call_and_report', print)"),
    /^reference to pytest's internals \(_pytest\.runner\.call_and_report\) at line 2$/,
  ],
  [lines("import builtins", "builtins.print = None"), /^builtins patching \(builtins\.print\) at line 2$/],
  [lines("import builtins", "setattr(builtins, 'open', None)"), /^builtins patching \(setattr\) at line 2$/],
  [lines("__builtins__['print'] = None"), /^__builtins__ at line 1$/],
  [lines("import sys", "sys.settrace(None)"), /^sys\.settrace at line 2$/],
  [lines("import threading", "threading.setprofile(None)"), /^threading\.setprofile at line 2$/],
  [lines("import sys", "frame = sys._getframe(1)"), /^frame walking \(sys\._getframe\) at line 2$/],
  [lines("import gc", "everything = gc.get_objects()"), /^heap walking \(gc\.get_objects\) at line 2$/],
  [lines("import ctypes"), /^import of ctypes \(can rewrite the interpreter\) at line 1$/],
  [lines("import signal", "signal.signal(signal.SIGTERM, print)"), /^signal handler installed at import at line 2$/],
  [lines("exec('x = 1')"), /^exec at line 1$/],
  [lines("name = 'at' + 'exit'", "__import__(name)"), /^import of a computed module name at line 2$/],
  [lines("__name__ = '__main__'"), /^assignment to __name__ at line 1$/],
];

/** Ordinary code the scan must leave alone. */
const ORDINARY: string[] = [
  lines(
    "import sys",
    "",
    "def main(argv):",
    "    if not argv:",
    "        sys.exit(2)",
    "    return 0",
    "",
    "if __name__ == '__main__':",
    "    sys.exit(main(sys.argv[1:]))",
  ),
  lines("if __name__ == '__main__':", "    import os", "    os._exit(0)"),
  lines(
    "def test_input(monkeypatch):",
    "    monkeypatch.setattr('builtins.input', lambda _: '5')",
    "    assert input('n? ') == '5'",
  ),
  lines(
    "import sys",
    "def test_fake_module(monkeypatch):",
    "    monkeypatch.setitem(sys.modules, 'requests', object())",
  ),
  lines("import re", "PATTERN = re.compile('a+')", "value = eval('1 + 2')"),
  lines(
    "import pytest",
    "",
    "@pytest.fixture",
    "def data():",
    "    return [1]",
    "",
    "def test_x(data):",
    "    with pytest.raises(ValueError):",
    "        int('x')",
  ),
  lines(
    "import subprocess, sys",
    "def test_cli():",
    "    subprocess.run([sys.executable, '-c', 'print(1)'], check=True)",
  ),
  lines(
    "import signal",
    "def with_timeout(seconds):",
    "    signal.signal(signal.SIGALRM, lambda *a: None)",
    "    signal.alarm(seconds)",
  ),
  lines("import json, os", "def load(path):", "    with open(path) as handle:", "        return json.load(handle)"),
  lines(
    "class Config:",
    "    def __init__(self, **values):",
    "        for key, value in values.items():",
    "            setattr(self, key, value)",
  ),
];

const DRIVER = `${TAMPER_SCAN_PY}
import ast, json, sys
sources = json.loads(sys.argv[1])
print(json.dumps([["%s at line %d" % (what, line) for line, what in scan_tampering(ast.parse(source))] for source in sources]))
`;

let findings: string[][] = [];
beforeAll(async () => {
  const sources = [...TAMPERING.map(([source]) => source), ...ORDINARY];
  const image = process.env.DELLM_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE;
  const { stdout } = await promisify(execFile)("docker", [
    "run",
    "--rm",
    "--network",
    "none",
    "--user",
    "1000:1000",
    image,
    "python",
    "-I",
    "-c",
    DRIVER,
    JSON.stringify(sources),
  ]);
  findings = JSON.parse(stdout) as string[][];
});

describe("tamper scan", () => {
  it.each(TAMPERING.map(([source, finding], index) => [source.trim().replace(/\n/g, " ⏎ "), finding, index] as const))(
    "names %s",
    (_, finding, index) => {
      expect(findings[index]).toEqual(expect.arrayContaining([expect.stringMatching(finding)]));
    },
  );

  it("leaves ordinary code alone: CLI exits, the main guard, monkeypatch, fixtures, subprocesses, eval", () => {
    const ordinary = findings.slice(TAMPERING.length);
    expect(ordinary).toHaveLength(ORDINARY.length);
    ordinary.forEach((found, i) => expect(found, ORDINARY[i]).toEqual([]));
  });
});
