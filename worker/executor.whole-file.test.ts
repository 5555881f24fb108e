// Whole-file answers for existing files (issue 23), through the real worker path with a scripted
// model and the REAL Docker sandbox: a small file shown whole is asked for whole; any file the model
// saw whole may be answered whole; a file it did not see whole still needs edits. What the worker
// keeps is what the bot's guard writes over the base.
import { describe, expect, it } from "vitest";
import { parsePython } from "../shared/edits/python-outline.js";
import { SMALL_FILE } from "../shared/edits/whole-file.js";
import { newJobId, type Task, type WorkItem } from "../shared/schemas.js";
import { DockerSandbox } from "../shared/sandbox/docker-sandbox.js";
import { existingFile } from "../test/large-module.js";
import { decideExistingFile } from "../bot/pipeline/existing-file-guard.js";
import { TaskExecutor } from "./executor.js";
import { ScriptedCodeModel } from "./model/scripted-code-model.js";

const sandbox = new DockerSandbox({ timeoutSeconds: 30 });

const SMALL = `def greet(name):
    return "Hello, " + name


def test_greet():
    assert greet("Ada") == "Hello, Ada"
`;
const SMALL_NEW = `def greet(name, greeting="Hello"):
    return greeting + ", " + name


def test_greet():
    assert greet("Ada") == "Hello, Ada"


def test_greeting():
    assert greet("Ada", "Hi") == "Hi, Ada"
`;

/** The task as the bot hands it out: the file's content, and `current_content` when it gave it whole. */
function taskFor(content: string, givenWhole = true): Task {
  return {
    id: 1,
    description: "Make the greeting configurable",
    file: "greet.py",
    dependencies: [],
    input_output_spec: "greet(name, greeting) -> str",
    directory: "",
    context: "",
    existing_file: existingFile(content),
    ...(givenWhole ? { current_content: content } : {}),
  };
}

async function solve(task: Task, reply: string) {
  const model = new ScriptedCodeModel(
    [
      { kind: "can-solve", reply: "yes" },
      { kind: ["code", "repair"], file: "greet.py", reply: [reply] },
    ],
    { contextSize: 8_192 },
  );
  const item: WorkItem = {
    jobId: newJobId(),
    userQuery: "configurable greeting",
    plan: [task],
    task,
    dependencyFiles: [],
  };
  const executor = new TaskExecutor({ model, sandbox, workerId: "w-whole", repairAttempts: 0 });
  return { result: await executor.execute(item), prompt: model.prompts.find((p) => p.kind === "code")!.text };
}

describe("whole-file answers for an existing file (scripted model, real sandbox)", () => {
  it("asks for a small file whole and takes the whole new file, which the bot's guard writes", async () => {
    const task = taskFor(SMALL);
    const { result, prompt } = await solve(task, SMALL_NEW);
    expect(prompt).toContain("Output the complete new file");
    expect(prompt).not.toContain("<<<<<<< SEARCH");
    expect(result.error).toBeUndefined();
    expect(result.test_passed).toBe(true);
    expect(result.tests_passed).toBe(2);
    expect(result.code).toBe(SMALL_NEW);
    expect(result.edits).toBeUndefined();
    expect(await decideExistingFile(task, result, "greet.py", SMALL, parsePython)).toEqual({ write: SMALL_NEW });
  }, 60_000);

  it("still takes edits for a small file", async () => {
    const edit = `<<<<<<< SEARCH
def greet(name):
    return "Hello, " + name
=======
def greet(name, greeting="Hello"):
    return greeting + ", " + name
>>>>>>> REPLACE`;
    const { result } = await solve(taskFor(SMALL), edit);
    expect(result.edits?.map((e) => e.kind)).toEqual(["search_replace"]);
    expect(result.code).toContain('def greet(name, greeting="Hello"):');
    expect(result.test_passed).toBe(true);
  }, 60_000);

  it("takes a whole-file answer for a longer file its model saw whole, while asking for edits", async () => {
    const padding = Array.from({ length: SMALL_FILE.lines }, (_, i) => `CONSTANT_${i} = ${i}\n`).join("");
    const longer = `${padding}\n\n${SMALL}`;
    const task = taskFor(longer);
    const { result, prompt } = await solve(task, `${padding}\n\n${SMALL_NEW}`);
    expect(prompt).toContain("<<<<<<< SEARCH");
    expect(prompt).toContain(`Its current content (all ${longer.split("\n").length - 1} lines)`);
    expect(result.edits).toBeUndefined();
    expect(result.test_passed).toBe(true);
    expect(await decideExistingFile(task, result, "greet.py", longer, parsePython)).toEqual({
      write: `${padding}\n\n${SMALL_NEW}`,
    });
  }, 60_000);

  it("refuses a whole-file answer for a file the bot did not give whole: edits are required", async () => {
    const { result, prompt } = await solve(taskFor(SMALL, false), SMALL_NEW);
    expect(prompt).toContain("<<<<<<< SEARCH");
    expect(result.code).toBe("");
    expect(result.error).toMatch(/the answer has no edits: the file already exists/);
  }, 60_000);
});
