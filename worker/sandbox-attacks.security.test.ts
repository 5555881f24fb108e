// Hostile code through the real worker: a model that answers every task with an attack, the real
// executor and Docker sandbox, one worker loop. Each attack is written as a pytest test that passes
// only if the attack worked, so "contained" means the sandbox made it fail (or killed it). The
// worker must report each as a failed test with a reason, keep going, and leave no container.
import { createServer, type Server } from "node:net";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobBoard } from "../bot/swarm/job-board.js";
import type { Task } from "../shared/schemas.js";
import { DockerSandbox, SANDBOX_LABEL } from "../shared/sandbox/docker-sandbox.js";
import { TaskExecutor } from "./executor.js";
import { ScriptedCodeModel, type ScriptRule } from "./model/scripted-code-model.js";
import { runWorkerLoop } from "./worker-loop.js";

const TIMEOUT_SECONDS = 5;

/** name → [attack code, what the worker must report]. */
function attacks(hostPort: number): Record<string, [string, RegExp]> {
  return {
    egress_internet: [
      "import socket\n\ndef test_attack():\n    socket.create_connection(('1.1.1.1', 53), timeout=3).close()\n",
      /OSError: \[Errno 101\] Network is unreachable/,
    ],
    egress_host: [
      `import socket\n\ndef test_attack():\n    reached = []\n    for host in ('127.0.0.1', '172.17.0.1', 'host.docker.internal'):\n        try:\n            socket.create_connection((host, ${hostPort}), timeout=2).close()\n            reached.append(host)\n        except OSError:\n            pass\n    assert reached\n`,
      /assert \[\]/,
    ],
    fork_bomb: [
      "import os\n\ndef test_attack():\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n",
      /timed out after 5 s|killed/,
    ],
    memory_bomb: [
      "def test_attack():\n    hog = []\n    while True:\n        hog.append(bytearray(32 * 1024 * 1024))\n",
      /ran out of memory|killed|MemoryError|some tests failed/,
    ],
    disk_fill: [
      "import os\n\ndef test_attack():\n    written = 0\n    for d in ('/tmp', '/dev/shm', '/code', '/', '/var/tmp', '/run', '/home'):\n        try:\n            with open(os.path.join(d, 'fill'), 'wb') as f:\n                while written < 4 * 1024 ** 3:\n                    f.write(b'x' * (1024 * 1024))\n                    written += 1024 * 1024\n        except OSError:\n            pass\n    assert written >= 4 * 1024 ** 3, f'only {written >> 20} MB could be written'\n",
      /AssertionError: only \d+ MB could be written/,
    ],
    infinite_loop: ["def test_attack():\n    while True:\n        pass\n", /timed out after 5 s/],
    sleep_past_timeout: ["import time\n\ndef test_attack():\n    time.sleep(3600)\n", /timed out after 5 s/],
    read_host_files: [
      "def test_attack():\n    stolen = []\n    for path in ('/var/run/docker.sock', '/etc/shadow', '/root/.ssh/id_rsa', '/host/etc/passwd', '/proc/1/root/etc/shadow'):\n        try:\n            with open(path, 'rb') as f:\n                f.read(1)\n            stolen.append(path)\n        except OSError:\n            pass\n    assert stolen\n",
      /assert \[\]/,
    ],
    write_code_dir: [
      "def test_attack():\n    with open('/code/attack_write_code_dir.py', 'a') as f:\n        f.write('# owned')\n",
      /Read-only file system|Permission denied/,
    ],
    become_root: [
      "import os\n\ndef test_attack():\n    os.setuid(0)\n    assert os.getuid() == 0\n",
      /PermissionError: \[Errno 1\] Operation not permitted/,
    ],
    raise_capabilities: [
      "import os, socket\n\ndef test_attack():\n    socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n    os.chroot('/tmp')\n    os.mknod('/tmp/disk', 0o600 | 0o060000, os.makedev(8, 0))\n",
      /PermissionError: \[Errno 1\] Operation not permitted/,
    ],
    output_flood: [
      "def test_attack():\n    for _ in range(200):\n        print('x' * 250_000)\n    assert False\n",
      /characters cut/,
    ],
  };
}

const honest = "def add(a, b):\n    return a + b\n\n\ndef test_add():\n    assert add(2, 2) == 4\n";

let host: Server;
let hostConnections = 0;
beforeAll(async () => {
  // A service on the host that an escaped container could reach; it must never see a connection.
  host = createServer((socket) => {
    hostConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => host.listen(0, "0.0.0.0", resolve));
});
afterAll(() => new Promise<void>((resolve) => host.close(() => resolve())));

describe("hostile code in the sandbox, through the worker", () => {
  it("contains every attack, reports each as a failed test with its reason, keeps working, leaves nothing behind", async () => {
    const catalogue = attacks((host.address() as { port: number }).port);
    const names = Object.keys(catalogue);
    const tasks: Task[] = [...names, "honest"].map((name, i) => ({
      id: i + 1,
      description: name,
      file: `attack_${name}.py`,
      dependencies: [],
      input_output_spec: "",
      directory: "",
      context: "",
    }));
    const model = new ScriptedCodeModel([
      { kind: "can-solve", reply: "yes" },
      { kind: ["code", "repair"], file: "attack_honest.py", reply: honest },
      ...names.map((name): ScriptRule => ({
        kind: ["code", "repair"],
        file: `attack_${name}.py`,
        reply: catalogue[name]![0],
      })),
    ]);
    const board = new JobBoard("job-attacks-1", "attack the sandbox", tasks);
    const executor = new TaskExecutor({
      model,
      sandbox: new DockerSandbox({ timeoutSeconds: TIMEOUT_SECONDS, outputLimitChars: 8_000 }),
      workerId: "w1",
      repairAttempts: 0,
    });
    await runWorkerLoop({ board, executor, workerId: "w1", pollMs: 50 });

    const results = board.results();
    const table: string[] = [];
    for (const [i, name] of names.entries()) {
      const result = results.get(i + 1)!;
      const reason = result.attempts[0]!.test.failure_reason ?? "";
      const error = result.test_logs.match(/^E +(.+)$/m)?.[1] ?? "";
      table.push(
        `${name.padEnd(20)} contained=${!result.test_passed}  ${reason.split("\n")[0]}${error ? ` — ${error.slice(0, 90)}` : ""}`,
      );
      expect(result.test_passed, name).toBe(false);
      expect(`${reason}\n${result.test_logs}`, name).toMatch(catalogue[name]![1]);
      expect(result.test_logs.length, `${name}: output is bounded`).toBeLessThanOrEqual(64_000);
    }
    // Disk fill: every writable path together is bounded (tmpfs /tmp 64 MB, /dev/shm 64 MB).
    const filled = Number(
      results.get(names.indexOf("disk_fill") + 1)!.test_logs.match(/only (\d+) MB could be written/)![1],
    );
    expect(filled).toBeLessThanOrEqual(160);
    // The worker kept going: the honest task after all of that passed.
    expect(results.get(tasks.length)!.test_passed).toBe(true);
    expect(hostConnections).toBe(0);
    const left = await new Docker().listContainers({ all: true, filters: { label: [`${SANDBOX_LABEL}=1`] } });
    expect(left).toEqual([]);
    console.log(
      `sandbox attacks: ${names.length} tried, ${names.filter((_, i) => !results.get(i + 1)!.test_passed).length} contained\n${table.join("\n")}`,
    );
  }, 180_000);
});
