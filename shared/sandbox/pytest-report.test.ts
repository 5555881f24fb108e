import { describe, expect, it } from "vitest";
import { testLog } from "./pytest-report.js";

describe("testLog", () => {
  it("puts the failure reason first, then stdout and stderr, skipping what is empty", () => {
    expect(
      testLog({ failure_reason: "verdict tampering: os._exit at line 3 of a.py", stdout: "F\n", stderr: "" }),
    ).toBe("verdict tampering: os._exit at line 3 of a.py\nF\n");
    expect(testLog({ stdout: "1 passed in 0.01s", stderr: "warning" })).toBe("1 passed in 0.01s\nwarning");
  });
});
