// The REAL model path end to end: node-llama-cpp on the project's tiny random-weight GGUF, through
// the TaskExecutor, into the REAL Docker sandbox. The model's output is garbage, so this asserts
// what must hold whatever it writes: grammar-constrained decisions parse, every attempt is tested
// and recorded, and nothing crashes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlanRejectedError } from "../bot/pipeline/plan-validation.js";
import { Planner } from "../bot/pipeline/planner.js";
import { newJobId, type Task } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { TaskExecutor, type ExecutorEvent } from "./executor.js";
import { makeTinyModel } from "../test/gguf/tiny-model.js";
import { LlamaCodeModel } from "./model/llama-code-model.js";

let dir: string;
let model: LlamaCodeModel;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-executor-llama-"));
  const path = join(dir, "tiny-random.gguf");
  await makeTinyModel(path, { seed: 7 });
  model = await LlamaCodeModel.load({ model: path, threads: 1 }); // 2 threads on a model this small spend their time in barriers
}, 60_000);

afterAll(async () => {
  await model?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const task: Task = {
  id: 1,
  description: "Return the n-th fibonacci number",
  file: "fib.py",
  dependencies: [],
  input_output_spec: "n: int -> int",
  directory: "math/",
  context: "",
};

describe("TaskExecutor on the real node-llama-cpp model (tiny random weights) and the real sandbox", () => {
  it("decides with the yes/no grammar, generates, tests and records every attempt", async () => {
    const events: ExecutorEvent[] = [];
    const executor = new TaskExecutor({
      model,
      sandbox: new DockerSandbox({ timeoutSeconds: 20 }),
      workerId: "tiny",
      repairAttempts: 1,
    });
    const result = await executor.execute(
      { jobId: newJobId(), userQuery: "fibonacci", plan: [task], task, dependencyFiles: [] },
      (e) => events.push(e),
    );

    expect(result.error).toBeUndefined();
    expect(result.notes.join("\n")).not.toMatch(/neither yes nor no/); // the grammar only allows "yes" or "no"
    expect(events[0]).toEqual({ kind: "deciding", taskId: 1 });
    // Random weights never write passing tests, so both attempts run; each one was really tested.
    expect(result.attempts.length).toBe(2);
    for (const attempt of result.attempts) {
      expect(attempt.test.success).toBe(false);
      expect(attempt.test.failure_reason).toBeTruthy();
    }
    expect(events.filter((e) => e.kind === "tested")).toHaveLength(2);
    expect(result.test_passed).toBe(false);
    expect(result.worker_id).toBe("tiny");
  });

  it("plans with the plan grammar: a valid plan or a rejection with reasons, never a crash", async () => {
    const planner = new Planner(model, { maxTokens: 256, retries: 1 });
    try {
      const plan = await planner.decompose("Create a Python function to calculate fibonacci");
      expect(plan.length).toBeGreaterThan(0);
    } catch (error) {
      expect(error).toBeInstanceOf(PlanRejectedError);
      expect((error as PlanRejectedError).problems).toHaveLength(2);
    }
  });
});
