// Answers computed rather than generated: one search/replace edit between two versions of a file,
// and the reference model (bot/eval) answering an existing file with it through the real prompt.
import { describe, expect, it } from "vitest";
import { ReferenceModel } from "../../bot/eval/reference-model.js";
import { codePrompt } from "../prompts.js";
import type { Task } from "../schemas.js";
import { applyEdits } from "./apply-edits.js";
import { searchReplaceBetween } from "./diff-edit.js";
import { parseEditAnswer } from "./edit-answer.js";
import { fileViews } from "./file-view.js";
import { parsePython } from "./python-outline.js";

const CURRENT = "def a():\n    return 1\n\n\ndef b():\n    return 1\n\n\ndef c():\n    return 3\n";
const WANTED = "def a():\n    return 1\n\n\ndef b():\n    return 2\n\n\ndef c():\n    return 3\n";

describe("computed edits", () => {
  it("widens the SEARCH text until it occurs once, and applies back to the wanted file", async () => {
    const edits = searchReplaceBetween(CURRENT, WANTED);
    expect(edits).toEqual([
      { kind: "search_replace", search: "def b():\n    return 1\n", replace: "def b():\n    return 2\n" },
    ]);
    expect(await applyEdits(CURRENT, edits, parsePython)).toBe(WANTED);
    expect(searchReplaceBetween(CURRENT, CURRENT)).toEqual([]);
  });

  it("makes the reference model answer an existing file with edits that give the reference file", async () => {
    const task: Task = {
      id: 1,
      description: "Make b() return 2",
      file: "m.py",
      dependencies: [],
      input_output_spec: "",
      directory: "",
      context: "",
    };
    const issue = {
      id: "simple/x",
      tier: "simple" as const,
      title: "Make b return two",
      body: "",
      hiddenTest: "",
      reference: { plan: [task], files: [{ path: "m.py", content: WANTED }] },
    };
    const parsed = await parsePython(CURRENT);
    const [whole, outlineView] = fileViews("m.py", CURRENT, parsed.ok ? parsed.outline : null, task);
    const model = new ReferenceModel([issue]);
    const prompt = (fileView: string) =>
      codePrompt({ userQuery: "Make b return two", plan: "1. m.py", task, fileView });
    const answer = await model.complete(prompt(whole!.text));
    expect(await applyEdits(CURRENT, parseEditAnswer(answer), parsePython)).toBe(WANTED);
    await expect(model.complete(prompt(outlineView!.text))).rejects.toThrow(/needs the whole of m\.py in the prompt/);
    // A new file keeps the whole-file answer.
    expect(await model.complete(codePrompt({ userQuery: "Make b return two", plan: "1. m.py", task }))).toBe(WANTED);
  });
});
