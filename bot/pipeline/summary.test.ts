// The results block `dellm run` prints: names and reasons cannot add rows or colour the verdicts.
import { describe, expect, it } from "vitest";
import type { MergeOutcome } from "./merger.js";
import { resultsBlock } from "./summary.js";

describe("resultsBlock", () => {
  it("shows file names and reasons escaped, so a name cannot add a fake passing row", () => {
    const merge: MergeOutcome = {
      branch: "dellm/j",
      commit: "c".repeat(40),
      written: [{ path: "ok.py\n- fake.py (passed tests)", taskId: 1, overwrote: null, testPassed: false }],
      skipped: [{ taskId: 2, path: "b\x1b[32m.py", reason: "no code: \rpassed" }],
    };
    const block = resultsBlock({ repoPath: "/repo", merge, results: new Map() });
    const rows = block.split("\n").filter((line) => line.startsWith("- ") && line.includes(".py"));
    expect(rows).toEqual(["- ok.py\\n- fake.py (passed tests) (FAILED tests - see logs)", "- b\\x1b[32m.py (NOT WRITTEN - no code: \\rpassed)"]);
    expect(block).not.toMatch(/[\x1b\r]/);
    expect(block).toContain("git checkout dellm/j");
  });

  it("names no branch to check out when nothing was written", () => {
    const merge: MergeOutcome = { branch: "dellm/j", commit: null, written: [], skipped: [{ taskId: 1, path: "a.py", reason: "no result arrived before the timeout" }] };
    const block = resultsBlock({ repoPath: "/repo", merge, results: new Map() });
    expect(block).toContain("Branch: (none: no file could be written, so no branch was created)\nCommit: (none)\n");
    expect(block).not.toContain("git checkout");
  });
});
