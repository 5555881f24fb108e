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
  ])("refuses %j + %j", (directory, file, reason) => {
    expect(() => repoRelativePath(directory, file)).toThrow(UnsafePathError);
    expect(() => repoRelativePath(directory, file)).toThrow(reason);
  });
});
