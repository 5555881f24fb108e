import { describe, expect, it } from "vitest";
import { repoRelativePath, UnsafePathError } from "./repo-path.js";

describe("repoRelativePath", () => {
  it("normalises directory + file", () => {
    expect(repoRelativePath("app/", "models.py")).toBe("app/models.py");
    expect(repoRelativePath("./app//sub/", "x.py")).toBe("app/sub/x.py");
    expect(repoRelativePath("", "x.py")).toBe("x.py");
  });

  it.each([
    ["../", "evil.py", '".." would leave'],
    ["app/../../", "x.py", '".." would leave'],
    ["/etc/", "passwd", "absolute"],
    ["C:", "x.py", "absolute"],
    ["~/", "x.py", "absolute"],
    [".git/hooks/", "pre-commit", ".git"],
    ["app/.GIT/", "config", ".git"],
    ["app\\", "x.py", "backslashes"],
    ["", "x\0.py", "NUL"],
    ["./", ".", "names no file"],
    // names that would paint the terminal or hide what they are
    ["", "ok\x1b[32m.py", "control character \\x1b"],
    ["app\n- fake.py (passed tests)/", "x.py", "control character \\n"],
    ["", "ok\r.py", "control character \\r"],
    ["", "a\x7f.py", "control character \\x7f"],
    ["", "a\u009b31m.py", "control character \\x9b"],
    ["", "evil\u202eyp.py", "control character \\u{202e}"],
    ["", "a\u200b.py", "control character \\u{200b}"],
    ["", "a\u2028.py", "control character \\u{2028}"],
    // .git as some checkout would read it
    [".GIT/", "x.py", "git's own .git"],
    [".git./", "x.py", "git's own .git"],
    [".git  /", "x.py", "git's own .git"],
    [".git::$INDEX_ALLOCATION/", "x.py", "git's own .git"],
    ["\uff0egit/", "x.py", "git's own .git"],
    ["\uff0e\uff27\uff29\uff34/", "x.py", "git's own .git"],
    ["GIT~1/", "x.py", "git's own .git"],
    ["git~12/", "x.py", "git's own .git"],
    ["\uff0e\uff0e/", "x.py", "only of dots and spaces"],
    ["... /", "x.py", "only of dots and spaces"],
    ["", `${"é".repeat(128)}.py`, "259 bytes long; file systems allow at most 255"],
    // names git, pytest or python would read as an option
    ["", "--pathspec-from-file=/etc/hostname", 'starts with "-"'],
    ["./", "-x.py", 'starts with "-"'],
    ["-c/", "x.py", 'starts with "-"'],
  ])("refuses %j + %j", (directory, file, reason) => {
    expect(() => repoRelativePath(directory, file)).toThrow(UnsafePathError);
    expect(() => repoRelativePath(directory, file)).toThrow(reason);
  });

  it("shows a refused name escaped in its message, so the message cannot paint the terminal either", () => {
    expect(() => repoRelativePath("", "ok\x1b[32m.py")).toThrow(
      'refusing path "ok\\x1b[32m.py": it contains the invisible or control character \\x1b',
    );
  });

  it("accepts ordinary names near the refused ones", () => {
    expect(repoRelativePath("gitops/", "git_tools.py")).toBe("gitops/git_tools.py");
    expect(repoRelativePath(".github/", "x.py")).toBe(".github/x.py");
    expect(repoRelativePath("", `${"a".repeat(252)}.py`)).toHaveLength(255);
    expect(repoRelativePath("données/", "café.py")).toBe("données/café.py");
    // Only a leading "-" reads as an option; one inside a name or a later folder does not.
    expect(repoRelativePath("app/-old/", "a-b.py")).toBe("app/-old/a-b.py");
  });
});
