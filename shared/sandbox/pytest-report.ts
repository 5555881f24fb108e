// What a test run said, for logs and repair prompts. The verdict and the counts never come from
// this text (see sandbox-verdict.ts): generated code can print anything, including a fake pytest
// summary line.
import type { TestResult } from "../schemas.js";

/** The failure reason, then pytest's stdout and stderr. */
export function testLog(test: Pick<TestResult, "failure_reason" | "stdout" | "stderr">): string {
  return [test.failure_reason, test.stdout, test.stderr].filter(Boolean).join("\n");
}
