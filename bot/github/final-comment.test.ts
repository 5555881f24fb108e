// The last comment on a finished job: failed files and why, and a draft PR said to be one,
// with the regressed repository tests named (at most MAX_NAMED_TESTS, inert: ids come from the repository's code).
import { describe, expect, it } from "vitest";
import { fileReport } from "../../test/github-job-fixture.js";
import { RepositoryTestsSchema, type RepositoryTests } from "../pipeline/repository-check.js";
import { finalCommentBody, MAX_NAMED_TESTS } from "./final-comment.js";
import type { FileReport } from "../engine/job-record.js";
import type { GitHubJob } from "./job-store.js";

const file = (over: Partial<FileReport> = {}): FileReport => fileReport(1, "shop/models.py", { worker: "w1", ...over });
const job = (files: FileReport[], repository?: Partial<RepositoryTests>) =>
  ({
    id: "job-1",
    pr_url: "https://github.com/octo/demo/pull/12",
    files,
    ...(repository ? { repository_tests: RepositoryTestsSchema.parse({ status: "compared", ...repository }) } : {}),
  }) as GitHubJob;
const regression = (id: string) => ({ id, log: "E   assert False" });

describe("the final comment", () => {
  it("says nothing of a draft when the repository's tests did not regress", () => {
    const body = finalCommentBody(job([file()], { passing: 2 }));
    expect(body).toBe(
      "dellm finished job `job-1`: https://github.com/octo/demo/pull/12 has 1 files, all passing their tests.",
    );
  });

  it("says the PR is a draft and names the regressed tests, even when every file passed its own tests", () => {
    const body = finalCommentBody(
      job([file()], { regressions: [regression("tests/test_models.py::test_negative_price")] }),
    );
    expect(body).toBe(
      "dellm finished job `job-1`: https://github.com/octo/demo/pull/12 has 1 files, all passing their tests.\n\n" +
        "The pull request is a **draft**: 1 of the repository's own tests regressed (failing on its branch, not on the base branch): `tests/test_models.py::test_negative_price`. It stays a draft until they pass again; its description has their logs.",
    );
  });

  it("names at most ten regressed tests, then how many more, each as inert code", () => {
    const ids = Array.from({ length: 13 }, (_, i) => `tests/test_a.py::test_${i}`);
    ids[0] = "tests/test_a.py::test_x[@acme/security closes #1 `]";
    const body = finalCommentBody(
      job([file({ passed: false, tests_failed: 1 })], { regressions: ids.map(regression) }),
    );
    expect(body).toMatch(/^dellm finished job `job-1` with problems: `shop\/models\.py` \(tests failed\)\./);
    expect(body).toContain("13 of the repository's own tests regressed");
    expect(body).toContain("``tests/test_a.py::test_x[@acme/security closes #1 `]``, `tests/test_a.py::test_1`");
    expect(body).toContain(`\`tests/test_a.py::test_${MAX_NAMED_TESTS - 1}\` and 3 more.`);
    expect(body).not.toContain(`test_${MAX_NAMED_TESTS}\``);
  });

  it("says why a draft names no test: the run on the branch gave no verdict where the base's did", () => {
    const body = finalCommentBody(job([file()], { after_broken: "timed out after 60 s\n…log…" }));
    expect(body).toContain(
      "The pull request is a **draft**: the repository's own tests gave no verdict on its branch (timed out after 60 s), though they did on the base branch.",
    );
    // Broken on both: nothing was compared, so it is no regression and no draft.
    expect(finalCommentBody(job([file()], { after_broken: "timed out", before_broken: "timed out" }))).not.toContain(
      "draft",
    );
  });
});
