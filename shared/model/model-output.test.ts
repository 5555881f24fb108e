import { describe, expect, it } from "vitest";
import { z } from "zod";
import { extractJson, parseModelJson, parseYesNo, stripMarkdownFences } from "./model-output.js";

describe("model output parsing", () => {
  it("strips markdown fences, keeping the longest code block", () => {
    expect(stripMarkdownFences("```python\ndef f():\n    return 1\n```")).toBe("def f():\n    return 1\n");
    expect(stripMarkdownFences("Here:\n```\nx = 1\n```\nand\n```py\ndef g():\n    return 2\n```\nDone")).toBe(
      "def g():\n    return 2\n",
    );
    expect(stripMarkdownFences("x = 1\n")).toBe("x = 1\n");
    expect(stripMarkdownFences("```python\ndef unterminated():\n    pass")).toBe("def unterminated():\n    pass\n");
    expect(stripMarkdownFences("   ")).toBe("");
  });

  it("accepts only a bare yes or no", () => {
    for (const yes of ["yes", "Yes.", " YES ", '"yes"', "'yes'"]) expect(parseYesNo(yes)).toBe("yes");
    expect(parseYesNo("No")).toBe("no");
    for (const other of ["yes, but", "maybe", "", "I think yes", "no no"]) expect(parseYesNo(other)).toBeNull();
  });

  it("finds JSON in chatter and fences and reports what is wrong", () => {
    expect(extractJson('Sure! [{"a": 1}] Hope it helps')).toEqual([{ a: 1 }]);
    expect(extractJson('```json\n{"a": [1, 2]}\n```')).toEqual({ a: [1, 2] });
    expect(() => extractJson("no json here")).toThrow(/no JSON/);
    expect(() => extractJson("[1, 2")).toThrow(/not closed/);
    expect(() => extractJson("[1, oops]")).toThrow(/does not parse/);
    expect(() => parseModelJson("[1]", z.array(z.string()))).toThrow(/wrong shape/);
  });
});
