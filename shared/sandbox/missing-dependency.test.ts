import { describe, expect, it } from "vitest";
import type { TestResult } from "../schemas.js";
import { missingModule, withMissingDependency } from "./missing-dependency.js";

const failed = (stdout: string): TestResult => ({
  success: false,
  stdout,
  stderr: "",
  tests_passed: 0,
  tests_failed: 1,
  execution_time: 1,
  verdict: "failed",
  failure_reason: "pytest: some tests failed",
});

describe("missing dependency", () => {
  const collection = "E   ModuleNotFoundError: No module named 'tinypkg.sub'\n";

  it("names a top-level module no file of the run provides", () => {
    expect(missingModule(failed(collection), [{ path: "app.py", content: "" }])).toBe("tinypkg");
    const result = withMissingDependency(failed(collection), [{ path: "app.py", content: "" }]);
    expect(result.verdict).toBe("missing_dependency");
    expect(result.failure_reason).toMatch(/^missing dependency tinypkg: add it to setup in \.github\/dellm\.yml/);
  });

  it("leaves a module of the run's own files to the code (at the root or beside a test)", () => {
    expect(missingModule(failed(collection), [{ path: "tinypkg/__init__.py", content: "" }])).toBeUndefined();
    const nested = [{ path: "lib/tinypkg.py", content: "" }];
    expect(missingModule(failed(collection), nested, ["lib/tests/test_x.py"])).toBeUndefined();
    // A package folder deeper down is not on sys.path (a vendored source tree): the image lacks it.
    expect(missingModule(failed(collection), [{ path: "vendor/tinypkg/tinypkg/__init__.py", content: "" }])).toBe(
      "tinypkg",
    );
    expect(withMissingDependency(failed(collection), [{ path: "tinypkg.py", content: "" }]).verdict).toBe("failed");
  });

  it("touches neither passing runs nor runs the host judged (timeouts)", () => {
    const passed = { ...failed(collection), success: true, verdict: "passed" as const };
    expect(withMissingDependency(passed, [])).toBe(passed);
    const timedOut = { ...failed(collection), verdict: "timed_out" as const };
    expect(withMissingDependency(timedOut, [])).toBe(timedOut);
  });
});
