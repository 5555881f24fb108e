// The lines `dellm run` prints: text a model, worker or peer chose is shown escaped, on its own line.
import { describe, expect, it } from "vitest";
import { describeCoordinatorEvent, describeJobEvent } from "./progress-printer.js";

type JobEvent = Parameters<typeof describeJobEvent>[0];
type CoordinatorEvent = Parameters<typeof describeCoordinatorEvent>[0];

const spoof = "\x1b[32m\r\n- fake.py (passed tests)";

describe("describeJobEvent", () => {
  it("shows the plan's file names and descriptions escaped, one line per task", () => {
    const tasks = [
      {
        id: 1,
        directory: "app/",
        file: "a\x1b[32m.py",
        description: `done${spoof}`,
        dependencies: [],
        input_output_spec: "",
        context: "",
      },
    ];
    const line = describeJobEvent({ kind: "planned", job: { id: "job-1", tasks } } as unknown as JobEvent);
    expect(line).toBe("[plan] 1 tasks:\n         1. app/a\\x1b[32m.py: done\\x1b[32m\\r\\n- fake.py (passed tests)");
  });

  it("says no branch was created when the merge wrote nothing", () => {
    const merge = { branch: "dellm/x", commit: null, written: [], skipped: [{ taskId: 1, path: "a.py", reason: "r" }] };
    expect(describeJobEvent({ kind: "merged", merge } as JobEvent)).toBe(
      "[merge] no file could be written (1 not written); no branch was created",
    );
  });
});

describe("describeCoordinatorEvent", () => {
  it("shows a peer's worker id, error and refusal reason escaped", () => {
    const result = { error: `boom${spoof}`, test_passed: false, tests_passed: 0, tests_failed: 0 };
    expect(
      describeCoordinatorEvent({
        kind: "result-accepted",
        jobId: "j",
        taskId: 2,
        workerId: "w\x1b]0;title\x07",
        result,
      } as unknown as CoordinatorEvent),
    ).toBe("[swarm] task 2: result from w\\x1b]0;title\\x07: error: boom\\x1b[32m\\r\\n- fake.py (passed tests)");
    expect(
      describeCoordinatorEvent({
        kind: "refused",
        request: "claim",
        peer: "p\u202e1",
        reason: `no${spoof}`,
      } as CoordinatorEvent),
    ).toBe("[swarm] refused claim from p\\u{202e}1: no\\x1b[32m\\r\\n- fake.py (passed tests)");
  });
});
