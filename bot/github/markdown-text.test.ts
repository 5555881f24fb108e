import { describe, expect, it } from "vitest";
import { codeSpanCell, fencedBlock, markdownBlock, markdownCell } from "./markdown-text.js";

describe("markdown-text", () => {
  it("code spans outlast the backticks inside and keep pipes in their cell", () => {
    expect(codeSpanCell("a.py")).toBe("`a.py`");
    expect(codeSpanCell("a``b|c")).toBe("```a``b\\|c```");
    expect(codeSpanCell("`x`")).toBe("`` `x` ``");
  });

  it("cells are one line without HTML", () => {
    expect(markdownCell("a|b\n<img src=x>")).toBe("a\\|b\\n&lt;img src=x>");
  });

  it("code blocks outlast the backticks inside", () => {
    expect(fencedBlock("x\n````\ny")).toBe("`````\nx\n````\ny\n`````");
  });

  it("a backtick line with a backtick in its info string opens no block", () => {
    expect(markdownBlock("``` not `a fence`\n<!-- hidden")).toBe("``` not `a fence`\n&lt;!-- hidden");
  });

  it("a shorter or different fence does not close a block; the block is closed at the end", () => {
    expect(markdownBlock("````\n```\n~~~~\n<i>")).toBe("````\n```\n~~~~\n<i>\n````");
  });
});
