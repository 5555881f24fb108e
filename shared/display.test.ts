import { describe, expect, it } from "vitest";
import { escapeHtml, firstUnprintable, safeId, showUntrusted, showUntrustedLines } from "./display.js";

describe("showUntrusted (one line)", () => {
  it("escapes everything that colours, moves the cursor, breaks the line or reorders text", () => {
    expect(showUntrusted("\x1b[32mpassed\x1b[0m")).toBe("\\x1b[32mpassed\\x1b[0m");
    expect(showUntrusted("a\r\nb\tc\bd\x7fe\x00")).toBe("a\\r\\nb\\tc\\bd\\x7fe\\x00");
    expect(showUntrusted("\x9b31m")).toBe("\\x9b31m"); // C1 CSI
    expect(showUntrusted("evil\u202eyp.py\u2066\u200b\ufeff\u2028")).toBe(
      "evil\\u{202e}yp.py\\u{2066}\\u{200b}\\u{feff}\\u{2028}",
    );
  });

  it("leaves printable text alone, Unicode letters and emoji included", () => {
    const plain = "app/models.py: données ✅ 测试 [w1] (2 passed) \\x1b";
    expect(showUntrusted(plain)).toBe(plain);
  });
});

describe("showUntrustedLines (a multi-line body)", () => {
  it("keeps line breaks (CRLF as one) and tabs, escapes the rest, a lone CR included", () => {
    expect(showUntrustedLines("line 1\r\n\tline 2\rFAKE\n\x1b[2Kline 3")).toBe(
      "line 1\n\tline 2\\rFAKE\n\\x1b[2Kline 3",
    );
  });
});

describe("firstUnprintable", () => {
  it("names the first character that would be escaped, or null", () => {
    expect(firstUnprintable("ok\u202e\x1b")).toBe("\\u{202e}");
    expect(firstUnprintable("ok.py")).toBeNull();
  });

  it("escapes every character that could open a tag, an entity or end an attribute in HTML", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      "&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;amp;&#60;/a&#62;",
    );
  });
});

describe("safeId", () => {
  it("keeps an ordinary id and shortens a peer id to its start and end", () => {
    expect(safeId("local-1")).toBe("local-1");
    const peer = "12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK";
    expect(safeId(peer)).toBe("12D3KooWRBy9…swrRJsNK".replace("swrRJsNK", peer.slice(-11)));
    expect(safeId(peer)).toHaveLength(24);
  });

  it("leaves nothing of a worker id that could close, mention, link or paint", () => {
    const shown = safeId("closes #2 @acme/security ![t](https://evil.example/t.png)\x1b[31m");
    expect(shown).toMatch(/^[A-Za-z0-9._-]+…[A-Za-z0-9._-]+$/);
    expect(shown).toHaveLength(24);
    expect(safeId("a b@c")).toBe("a_b_c");
  });
});
