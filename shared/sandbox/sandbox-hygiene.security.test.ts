// The sandbox's host side and kernel surface, through the REAL Docker sandbox: private temp
// folders that never outlive a run, and our seccomp profile (docker/seccomp.json) refusing the
// syscalls it removes from Docker's default while ordinary pytest runs on.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SANDBOX_IMAGE } from "../config.js";
import { DockerSandbox, roomyTempRoot } from "./docker-sandbox.js";

const lines = (...text: string[]) => `${text.join("\n")}\n`;
const one = (path: string, content: string) => ({ files: [{ path, content }], testTargets: [path] });

describe("host temp folders", () => {
  let root: string;
  let sandbox: DockerSandbox;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "dellm-hygiene-"));
    sandbox = new DockerSandbox({ tempRoot: root, timeoutSeconds: 20 });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("are private (0700) while a run lasts and gone after it", async () => {
    const running = sandbox.run(one("slow.py", lines("import time", "", "def test_slow():", "    time.sleep(2)")));
    let entries: string[] = [];
    for (let i = 0; i < 100 && entries.length === 0; i++) {
      entries = await readdir(root);
      if (entries.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(entries).toHaveLength(1);
    expect((await stat(join(root, entries[0]!))).mode & 0o777).toBe(0o700);
    expect((await running).success).toBe(true);
    expect(await readdir(root)).toEqual([]);
  });

  it("are removed when writing the files fails", async () => {
    // "a" is both a file and a folder: the write fails half-way (whichever comes first).
    const run = {
      files: [
        { path: "a", content: "x" },
        { path: "a/b.py", content: "def test_x():\n    pass\n" },
      ],
      testTargets: ["a/b.py"],
    };
    await expect(sandbox.run(run)).rejects.toThrow(/EEXIST|ENOTDIR|EISDIR/);
    expect(await readdir(root)).toEqual([]);
  });

  it("are removed after a failing run", async () => {
    expect((await sandbox.run(one("broken.py", "def f(:\n"))).verdict).toBe("syntax_error");
    expect(await readdir(root)).toEqual([]);
  });
});

describe("a killed container", () => {
  it("is not waited for forever when the daemon never reports it gone", async () => {
    // Real daemon and containers; only the daemon's "container exited" answer never comes.
    const docker = new Docker();
    const create = docker.createContainer.bind(docker);
    docker.createContainer = (async (options: Docker.ContainerCreateOptions) => {
      const container = await create(options);
      container.wait = (() => new Promise(() => {})) as typeof container.wait;
      return container;
    }) as typeof docker.createContainer;
    const started = performance.now();
    const result = await new DockerSandbox({ docker, timeoutSeconds: 2, killWaitMs: 1_000 }).run(
      one("spin.py", lines("def test_spin():", "    while True:", "        pass")),
    );
    expect(result).toMatchObject({ success: false, verdict: "timed_out" });
    expect((performance.now() - started) / 1000).toBeLessThan(15); // 2 s timeout + 1 s kill wait + 2 s for the stream, with room for a busy machine
  });
});

const REFUSED = [
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "ptrace",
  "userfaultfd",
  "keyctl",
  "add_key",
  "request_key",
  "perf_event_open",
  "bpf",
];

// Calls each syscall (x86_64 numbers) with zero arguments and prints {name: [return, errno name]}.
const PROBE = lines(
  "import ctypes, errno, json",
  "libc = ctypes.CDLL(None, use_errno=True)",
  "libc.syscall.restype = ctypes.c_long",
  "NR = {'io_uring_setup': 425, 'io_uring_enter': 426, 'io_uring_register': 427, 'ptrace': 101, 'userfaultfd': 323,",
  "      'keyctl': 250, 'add_key': 248, 'request_key': 249, 'perf_event_open': 298, 'bpf': 321}",
  "out = {}",
  "for name, nr in NR.items():",
  "    ctypes.set_errno(0)",
  "    ret = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(0)] * 5)",
  "    out[name] = [ret, errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))]",
  "print(json.dumps(out))",
);

describe("seccomp profile", () => {
  it("refuses io_uring, ptrace, userfaultfd, keyctl, add_key, request_key, perf_event_open and bpf; pytest runs on", async () => {
    // The probe runs in a subprocess of the test: ctypes in the tested file itself would be named as tampering.
    const test = lines(
      "import json, subprocess, sys",
      "",
      `PROBE = ${JSON.stringify(PROBE)}`,
      "",
      "def test_probe(capsys):",
      "    out = subprocess.run([sys.executable, '-c', PROBE], capture_output=True, text=True, check=True).stdout",
      "    with capsys.disabled():",
      "        print('SYSCALLS ' + out, flush=True)",
    );
    const result = await new DockerSandbox({ timeoutSeconds: 20 }).run(one("probe_syscalls.py", test));
    expect(result).toMatchObject({ success: true, tests_passed: 1 });
    const seen = JSON.parse(result.stdout.match(/SYSCALLS (\{.*\})/)![1]!) as Record<string, [number, string]>;
    for (const name of REFUSED) expect(seen[name], name).toEqual([-1, expect.stringMatching(/^(EPERM|ENOSYS)$/)]);
  });

  it("differs from Docker's default, under which io_uring_setup and ptrace reach the kernel", async () => {
    const image = process.env.DELLM_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE;
    const { stdout } = await promisify(execFile)("docker", [
      "run",
      "--rm",
      "--network",
      "none",
      "--user",
      "1000:1000",
      "--cap-drop",
      "ALL",
      "--security-opt",
      "no-new-privileges",
      image,
      "python",
      "-I",
      "-c",
      PROBE,
    ]);
    const seen = JSON.parse(stdout) as Record<string, [number, string]>;
    expect(seen.ptrace).toEqual([0, "0"]); // PTRACE_TRACEME succeeds
    expect(seen.io_uring_setup![1]).not.toBe("EPERM"); // EFAULT for a NULL params pointer: the kernel saw it
  });
});

describe("where a run's files are laid out by default", () => {
  it("is /dev/shm when it has room for four times them, else the OS temp folder", async () => {
    const shm = await statfs("/dev/shm").catch(() => undefined);
    if (!shm) return expect(await roomyTempRoot(1_000)).toBe(tmpdir()); // no /dev/shm here: always the disk
    const free = shm.bavail * shm.bsize;
    expect(await roomyTempRoot(1_000)).toBe("/dev/shm");
    expect(await roomyTempRoot(free / 4)).toBe(tmpdir()); // four times it would not fit
  });
});
