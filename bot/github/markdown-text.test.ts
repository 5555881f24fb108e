import { describe, expect, it } from "vitest";
import { codeSpanCell, fencedBlock, markdownBlock, markdownCell, markdownInline } from "./markdown-text.js";

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
    expect(markdownBlock("``` not `a fence`\n<!-- hidden")).toBe("\\`\\`\\` not `a fence`\n&lt;!-- hidden");
  });

  it("a shorter or different fence does not close a block; the block is closed at the end", () => {
    expect(markdownBlock("````\n```\n~~~~\n<i>")).toBe("````\n```\n~~~~\n<i>\n````");
  });
});

/** The probe's text: on merge it closed issue #2, notified a team and made every reader fetch an image. */
const PROBE = "closes #2 … @acme/security ![t](https://evil.example/t.png)";

/**
 * What GitHub would act on in text outside code: the zero-width space entity read as the character
 * it renders, code blocks and spans left out (GitHub links nothing in code).
 */
function actionable(markdown: string): string[] {
  const prose = markdown
    .replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?\n\1[`~]*$/gm, "")
    // An unescaped pipe may be a table's cell border, which GitHub splits at before it finds spans.
    .replace(/(?<=(?:^|[^\\])(?:\\\\)*)\|/g, "\0")
    // A span opens at backticks behind an even run of backslashes (none escaped); only spans within
    // one line and cell are left out, stricter than GitHub (whose spans may run over lines).
    .replace(/(?<=(?:^|[^\\`])(?:\\\\)*)(`+)(?!`)[^\0\n]*?(?<!`)\1(?!`)/g, "")
    .replaceAll("&#8203;", "\u200b");
  const found: string[] = [];
  for (const [pattern, what] of [
    [/#\d/, "issue reference"],
    [/\bgh-\d/i, "issue reference"],
    [/@[\w-]/, "mention or e-mail"],
    [/:\/\//, "URL"],
    [/\bwww\./i, "URL"],
    [/&(?!amp;|lt;)/, "entity"],
    // an unescaped bracket: none preceded by an even run of backslashes
    [/(^|[^\\])(\\\\)*[[\]]/, "link or image"],
    [/<[A-Za-z!/?]/, "HTML"],
  ] as const)
    if (pattern.test(prose)) found.push(what);
  return found;
}

describe("text that would make GitHub act", () => {
  it("the probe's summary closes, mentions, links and loads nothing, and still reads the same", () => {
    const shown = markdownBlock(PROBE);
    expect(actionable(PROBE)).toEqual(["issue reference", "mention or e-mail", "URL", "link or image"]);
    expect(actionable(shown)).toEqual([]);
    expect(shown).toBe("closes #&#8203;2 … @&#8203;acme/security !\\[t\\](https:&#8203;//evil.example/t.png)");
    expect(actionable(markdownInline(PROBE))).toEqual([]);
    expect(actionable(markdownCell(PROBE))).toEqual([]);
  });

  it.each([
    ["every reference form", "fixes GH-2, o/r#3, ##4 and https://github.com/o/r/issues/5 or www.github.com/o/r/pull/6"],
    ["an e-mail autolink and HTML autolinks", "mail a@b.example, <https://x.example> <a@b.example>"],
    ["a link reference definition", "[t]: https://evil.example/t.png\n![t][t]"],
    ["entities that spell the characters", "&#64;acme &#35;2 &lbrack;t&rbrack;(x) &#x3a;//"],
    ["a backslash undoing the escape", "\\[t](x) \\\\[u](y) \\@bob"],
    ["a code span opened by an escaped backtick", "\\`@bob` and `ok` @carol"],
    ["a code span across lines", "`a\n@bob` #2"],
    ["a fence inside a list item, ended by the item", "- item\n  ```\n@bob closes #2"],
    ["a table cell splitting a code span", "| `a | @bob` |\n|---|---|"],
    ["a backtick fence with a backtick in its info string", "``` a`b\n@bob"],
  ])("%s", (_what, text) => {
    expect(actionable(markdownBlock(text))).toEqual([]);
    expect(actionable(markdownInline(text))).toEqual([]);
    expect(actionable(markdownCell(text))).toEqual([]);
  });

  it("leaves code alone: fenced blocks, code spans and a heading's own #", () => {
    expect(markdownBlock("## Changes\n```\n@bob #2 [x](y)\n```\nsee `#2 @bob`")).toBe(
      "## Changes\n```\n@bob #2 [x](y)\n```\nsee `#2 @bob`",
    );
  });
});
