// Who checks a result: the bot with its own copy of the job's model, volunteers running the model a
// repository pins when the bot holds another, or nobody (said why).
import { describe, expect, it } from "vitest";
import type { GenerationStatus } from "../../shared/model/answer-transcript.js";
import { newJobId, type WorkItem } from "../../shared/schemas.js";
import { passingResult, taskFixture } from "../../test/fixtures.js";
import { resultVetting } from "./result-vetting.js";

const task = taskFixture(1);
const item: WorkItem = { jobId: newJobId(), userQuery: "q", plan: [task], task, dependencyFiles: [] };
const result = passingResult(item.jobId, 1, "w1", "x = 1\n");
const bots = { sha256: "a".repeat(64), context_size: 4096 };
const pinned = { sha256: "b".repeat(64), context_size: 4096 };

/** The bot's checker: counts the answers it was asked to check. */
function botChecker() {
  const checked: string[] = [];
  return {
    checked,
    check: async (): Promise<GenerationStatus> => {
      checked.push(result.task_id.toString());
      return { status: "checked", by: "the bot" };
    },
  };
}

describe("result vetting", () => {
  it("checks with the bot's model the answers that model must have written", async () => {
    const generation = botChecker();
    const vetting = resultVetting({ generation, generationModel: bots, volunteers: true });
    expect(await vetting.vet(item, result, "P", "h", bots)).toEqual({ status: "checked", by: "the bot" });
    expect(generation.checked).toHaveLength(1);
  });

  it("leaves to volunteers the answers of a model a repository pins, never checking them against its own", async () => {
    const generation = botChecker();
    const vetting = resultVetting({ generation, generationModel: bots, volunteers: true });
    expect(await vetting.vet(item, result, "P", "h", pinned)).toBeUndefined();
    expect(generation.checked).toHaveLength(0);
  });

  it("says why such answers stay unchecked when no volunteer checks are set up", async () => {
    const generation = botChecker();
    const vetting = resultVetting({ generation, generationModel: bots, volunteers: false });
    expect(await vetting.vet(item, result, "P", "h", pinned)).toEqual({
      status: "not_checked",
      reason: expect.stringMatching(/the bot holds no copy of the model this job names \(sha256 bbbbbbbbbbbb…\)/),
    });
    expect(generation.checked).toHaveLength(0);
  });

  it("asks no volunteer when no model is named at all", async () => {
    const vetting = resultVetting({ volunteers: true, unchecked: "no model to check against" });
    expect(await vetting.vet(item, result, "P", "h", undefined)).toEqual({
      status: "not_checked",
      reason: "no model to check against",
    });
  });
});
