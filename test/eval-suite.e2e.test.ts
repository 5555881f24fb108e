// The shipped suite proves itself through the real pipeline: every issue's reference solution
// passes its hidden tests (100 %), and a model that writes nothing passes none (0 %). This also
// keeps the suite honest: an issue whose hidden tests do not match its own reference fails here.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readEnv } from "../shared/config.js";
import { evalCommand } from "../bot/commands/eval.js";
import { readReport } from "../bot/eval/report.js";
import { loadSuite, TIERS } from "../bot/eval/suite.js";

const env = readEnv({});
const quiet = { isTTY: false, write: (_text: string) => true };

describe("the evaluation suite", () => {
  it("has at least 30 issues across the three tiers, each with hidden tests and a reference", async () => {
    const suite = await loadSuite();
    expect(suite.length).toBeGreaterThanOrEqual(30);
    for (const tier of TIERS) expect(suite.filter((i) => i.tier === tier).length, tier).toBeGreaterThanOrEqual(8);
    for (const issue of suite) {
      expect(issue.hiddenTest, issue.id).toMatch(/def test_/);
      // The hidden tests are never part of what the generator sees.
      expect(issue.body, issue.id).not.toContain("def test_");
    }
  });

  it("scores the reference model 100 % and the empty model 0 % on the hidden tests", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dellm-eval-suite-"));
    await evalCommand(["--model", "reference", "--workers", "3", "--out", join(dir, "reference.json")], {
      env,
      log: () => {},
      progress: quiet,
    });
    const reference = await readReport(join(dir, "reference.json"));
    expect(reference.issues.filter((i) => !i.passed).map((i) => `${i.id}: ${i.error ?? i.hidden.reason}`)).toEqual([]);
    expect(reference.summary.success_rate).toBe(1);
    expect(reference.summary.file_pass_rate).toBe(1);

    await evalCommand(["--model", "empty", "--workers", "3", "--out", join(dir, "empty.json")], {
      env,
      log: () => {},
      progress: quiet,
    });
    const empty = await readReport(join(dir, "empty.json"));
    expect(empty.summary.issues).toBe(reference.summary.issues);
    expect(empty.issues.filter((i) => i.passed).map((i) => i.id)).toEqual([]);
  }, 900_000);
});
