// Edits as the worker and the bot apply them: the answer formats, exact-once SEARCH, and symbol
// edits located with the host's real Python parser (ast, end_lineno).
import { describe, expect, it } from "vitest";
import { applyEdits, EditApplyError } from "./apply-edits.js";
import { EditAnswerError, parseEditAnswer, renderEdits } from "./edit-answer.js";
import { fileViews, outlineText } from "./file-view.js";
import { parsePython } from "./python-outline.js";
import type { Task } from "../schemas.js";

const MODULE = `"""Shapes."""
import math


class Circle:
    def __init__(self, r):
        self.r = r

    @property
    def area(self):
        return math.pi * self.r ** 2

    def grow(self, by):
        self.r += by


def unit():
    return Circle(1)
`;

describe("edit answers", () => {
  it("parses search/replace and symbol blocks in order, ignoring chatter and fences, and renders them back", () => {
    const answer = [
      "Here are the edits:",
      "```python",
      "<<<<<<< SEARCH",
      "    def grow(self, by):",
      "=======",
      "    def grow(self, by=1):",
      ">>>>>>> REPLACE",
      "@@@ INSERT INTO Circle",
      "def shrink(self, by):",
      "    self.r -= by",
      "@@@ IMPORTS",
      "import functools",
      "@@@ END",
      "```",
    ].join("\n");
    const edits = parseEditAnswer(answer);
    expect(edits).toEqual([
      { kind: "search_replace", search: "    def grow(self, by):", replace: "    def grow(self, by=1):" },
      { kind: "insert_into", symbol: "Circle", code: "def shrink(self, by):\n    self.r -= by" },
      { kind: "add_imports", code: "import functools" },
    ]);
    expect(parseEditAnswer(renderEdits(edits))).toEqual(edits);
  });

  it("rejects a whole file, an unclosed block and a nameless symbol block with the reason", () => {
    expect(() => parseEditAnswer("def f():\n    return 1\n")).toThrow(/no edits: the file already exists/);
    expect(() => parseEditAnswer("<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n")).toThrow(EditAnswerError);
    expect(() => parseEditAnswer("@@@ INSERT AFTER\ndef g(): pass\n")).toThrow(/needs a name/);
  });
});

describe("applying edits", () => {
  it("inserts a method into a class and after a function, byte for byte elsewhere", async () => {
    const edited = await applyEdits(
      MODULE,
      [
        { kind: "insert_into", symbol: "Circle", code: "def shrink(self, by):\n    self.r -= by" },
        { kind: "insert_after", symbol: "unit", code: "def two():\n    return Circle(2)" },
        { kind: "add_imports", code: "import math\nimport functools" },
      ],
      parsePython,
    );
    expect(edited).toBe(
      MODULE.replace("import math\n", "import math\nimport functools\n")
        .replace("        self.r += by\n", "        self.r += by\n\n    def shrink(self, by):\n        self.r -= by\n")
        .replace("    return Circle(1)\n", "    return Circle(1)\n\n\ndef two():\n    return Circle(2)\n"),
    );
  });

  it("replaces a decorated method whole, by its dotted or its unique short name", async () => {
    const edited = await applyEdits(
      MODULE,
      [{ kind: "replace_symbol", symbol: "area", code: "@property\ndef area(self):\n    return 3 * self.r ** 2" }],
      parsePython,
    );
    expect(edited).toContain("    @property\n    def area(self):\n        return 3 * self.r ** 2\n\n    def grow");
    expect(edited).not.toContain("math.pi");
  });

  it("fails with the reason: a missing anchor, SEARCH found 0 or 2 times, a result that does not parse", async () => {
    const fail = (edits: Parameters<typeof applyEdits>[1]) => applyEdits(MODULE, edits, parsePython);
    await expect(fail([{ kind: "insert_after", symbol: "Square.side", code: "def x(): pass" }])).rejects.toThrow(
      /edit 1 of 1: no function or class "Square.side" in the file; use a name from the outline/,
    );
    await expect(fail([{ kind: "search_replace", search: "self.r = radius", replace: "" }])).rejects.toThrow(
      /is not in the file; copy the lines exactly/,
    );
    await expect(fail([{ kind: "search_replace", search: "self.r", replace: "self.radius" }])).rejects.toThrow(
      /occurs 3 times; add neighbouring lines/,
    );
    await expect(fail([{ kind: "search_replace", search: "def unit():", replace: "def unit(:" }])).rejects.toThrow(
      EditApplyError,
    );
    await expect(fail([{ kind: "insert_into", symbol: "unit", code: "def x(): pass" }])).rejects.toThrow(
      /is a function; INSERT INTO takes a class/,
    );
  });
});

describe("SEARCH text off in whitespace only", () => {
  it("applies where the lines match one place up to trailing spaces and a uniform indentation, re-indenting the REPLACE", async () => {
    const edited = await applyEdits(
      MODULE,
      [
        {
          kind: "search_replace",
          search: "def grow(self, by):  \n    self.r += by\n",
          replace: "def grow(self, by):\n    if by < 0:\n        raise ValueError(by)\n    self.r += by\n",
        },
      ],
      parsePython,
    );
    expect(edited).toContain(
      "    def grow(self, by):\n        if by < 0:\n            raise ValueError(by)\n        self.r += by\n\n\ndef unit",
    );
    expect(edited.replace(/ {4}def grow[\s\S]*?self\.r \+= by\n/, "")).toBe(
      MODULE.replace(/ {4}def grow[\s\S]*?self\.r \+= by\n/, ""),
    );
  });

  it("still refuses a block that matches two places, or lines that differ in more than whitespace", async () => {
    const twice = MODULE + "\n\nclass Ring:\n    def grow(self, by):\n        self.r += by\n";
    await expect(
      applyEdits(
        twice,
        [{ kind: "search_replace", search: "def grow(self, by):\n    self.r += by", replace: "" }],
        parsePython,
      ),
    ).rejects.toThrow(/occurs 2 times \(ignoring indentation\); add neighbouring lines/);
    await expect(
      applyEdits(
        MODULE,
        [{ kind: "search_replace", search: "def grow(self, by):\n    self.r += 2 * by", replace: "" }],
        parsePython,
      ),
    ).rejects.toThrow(/is not in the file; copy the lines exactly/);
  });
});

describe("what the model is shown", () => {
  it("offers the whole file, then the outline with the definitions the task names, then the outline", async () => {
    const parsed = await parsePython(MODULE);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(outlineText(parsed.outline).split("\n")).toEqual([
      "     5-14  class Circle:",
      "      6-7    def __init__(self, r):",
      "     9-11    def area(self):",
      "    13-14    def grow(self, by):",
      "    17-18  def unit():",
    ]);
    const task = { description: "Make grow() of Circle refuse negative values" } as Task;
    const views = fileViews("shapes.py", MODULE, parsed.outline, { ...task, context: "", input_output_spec: "" });
    expect(views.map((v) => v.label)).toEqual([
      "whole",
      "outline and 2 definition(s)",
      "outline and 1 definition(s)",
      "outline",
    ]);
    expect(views[2]!.text).toContain("Lines 13-14, Circle.grow:\n    def grow(self, by):\n        self.r += by");
  });
});
