import { describe, expect, it } from "vitest";
import {
  canSolvePrompt,
  codePrompt,
  decompositionPrompt,
  joinTaskPath,
  renderPlan,
  repairPrompt,
  splitPrompt,
  summaryPrompt,
} from "./prompts.js";
import type { Task } from "./schemas.js";

const task: Task = {
  id: 2,
  description: "Create auth.py with password hashing",
  file: "auth.py",
  dependencies: [1],
  input_output_spec: "Input: password str, Output: hash str",
  directory: "app/",
  context: "User authentication",
};
const plan = renderPlan([{ ...task, id: 1, file: "models.py", dependencies: [], description: "Create models" }, task]);

describe("prompt templates (seed Queries 5.1-5.7)", () => {
  it("5.1 embeds the query and asks for the seed's JSON task structure", () => {
    const { kind, text: prompt } = decompositionPrompt("Create a fibonacci function");
    expect(kind).toBe("decompose");
    expect(prompt.startsWith("Given Create a fibonacci function:\n")).toBe(true);
    for (const field of ['"id": 1', '"dependencies": []', '"input_output_spec"', '"directory": "app/"', '"context"']) {
      expect(prompt).toContain(field);
    }
    expect(prompt).toContain("Return as valid JSON array with this structure:");
  });

  it("5.2 lists the task fields and demands a bare yes/no", () => {
    const { kind, file, text: prompt } = canSolvePrompt({ userQuery: "Build auth", plan, task });
    expect([kind, file]).toEqual(["can-solve", "app/auth.py"]);
    expect(prompt).toContain("- User query: Build auth");
    expect(prompt).toContain("- Plan of action: 1. app/models.py: Create models\n2. app/auth.py");
    expect(prompt).toContain("- Input/Output: Input: password str, Output: hash str");
    expect(prompt).toContain("- Directory: app/auth.py");
    expect(prompt.endsWith("Answer ONLY 'yes' or 'no'.")).toBe(true);
  });

  it("5.3 asks for 2-4 subtasks in the seed's JSON shape", () => {
    const { kind, text: prompt } = splitPrompt({ userQuery: "Build auth", plan, task });
    expect(kind).toBe("split");
    expect(prompt).toContain("Divide the task into 2-4 subtasks");
    expect(prompt).toContain('"subtask_order": 1');
  });

  it("5.6 asks for code with tests and names subtasks and importable modules", () => {
    const {
      kind,
      file,
      text: prompt,
    } = codePrompt({
      userQuery: "Build auth",
      plan,
      task,
      subtasks: [
        { subtask_description: "second", subtask_input_output: "b", subtask_order: 2 },
        { subtask_description: "first", subtask_input_output: "a", subtask_order: 1 },
      ],
      dependencyPaths: ["app/models.py"],
    });
    expect(prompt).toContain("2. Write test cases to test this code");
    expect(prompt).toContain("Output ONLY the code, no explanations, no markdown.");
    expect(prompt.indexOf("1. first")).toBeLessThan(prompt.indexOf("2. second"));
    expect(prompt).toContain("Existing modules you can import: app/models.py");
    expect([kind, file]).toEqual(["code", "app/auth.py"]);
  });

  it("5.6 shows a file that already exists, so the model changes it instead of replacing it", () => {
    const prompt = codePrompt({
      userQuery: "Add mul",
      plan,
      task: { ...task, current_content: "def sub(a, b):\n    return a - b\n" },
    }).text;
    expect(prompt).toMatch(
      /The file already exists\. Change it as the task asks and keep everything else it does; output the whole new file\. Its current content:\ndef sub\(a, b\):\n {4}return a - b\n/,
    );
    expect(codePrompt({ userQuery: "q", plan, task }).text).not.toContain("already exists");
  });

  it("the repair prompt carries the previous code and the failure log", () => {
    const { kind, text: prompt } = repairPrompt({
      userQuery: "q",
      plan,
      task,
      previousCode: "def f(): pass",
      failureLog: "AssertionError: 1 != 2",
    });
    expect(kind).toBe("repair");
    expect(prompt).toContain("def f(): pass");
    expect(prompt).toContain("AssertionError: 1 != 2");
  });

  it("5.7 keeps the 200-word limit", () => {
    expect(summaryPrompt("q", plan)).toMatchObject({
      kind: "summary",
      text: expect.stringContaining("Keep response under 200 words."),
    });
  });

  it("joins directory and file without doubling slashes", () => {
    expect(joinTaskPath({ directory: "app/", file: "x.py" })).toBe("app/x.py");
    expect(joinTaskPath({ directory: "", file: "x.py" })).toBe("x.py");
    expect(joinTaskPath({ directory: ".", file: "x.py" })).toBe("x.py");
  });

  it("asks for edits, keeping the seed's words, only when the prompt shows an existing file", () => {
    const input = { userQuery: "hash passwords", plan: "1. app/auth.py", task };
    const plain = codePrompt(input).text;
    expect(plain).not.toContain("<<<<<<< SEARCH");
    const view = "The file has 900 lines; you are shown its outline and the parts named below, not the whole file.";
    const edit = codePrompt({ ...input, fileView: view }).text;
    expect(edit.startsWith(plain.slice(0, plain.indexOf("- File: app/auth.py")))).toBe(true);
    expect(edit).toContain(
      `- The file already exists. Change it as the task asks with edits; keep everything else it does.\n${view}`,
    );
    expect(edit).toContain(
      "Output ONLY the code, no explanations, no markdown.\n\nThe file already exists, so the code you output is edits",
    );
    expect(edit).toMatch(/<<<<<<< SEARCH\n.*\n=======\n.*\n>>>>>>> REPLACE/);
    expect(edit).toContain("@@@ INSERT INTO Class");
    const repair = repairPrompt({ ...input, fileView: view, previousCode: "@@@ END", failureLog: "no edits" }).text;
    expect(repair).toMatch(
      /complete corrected code, no explanations, no markdown\.\nHere that means all the edits again/,
    );
    expect(repairPrompt({ ...input, previousCode: "x", failureLog: "y" }).text).not.toContain("all the edits again");
  });
});
