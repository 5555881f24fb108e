// Who may check whose answer, and what happens when a checker is slow, unsure or gone.
import { describe, expect, it } from "vitest";
import { newJobId, type Result, type WorkItem } from "../../shared/schemas.js";
import { taskFixture } from "../../test/fixtures.js";
import { passingResult } from "../../test/fixtures.js";
import { VolunteerChecks } from "./volunteer-checks.js";

const model = { sha256: "a".repeat(64), context_size: 1024 };
const task = taskFixture(1);
const item: WorkItem = { jobId: newJobId(), userQuery: "q", plan: [task], task, dependencyFiles: [] };
const fromProducer = (peer: string, host = "10.0.0.1"): Result => ({
  ...passingResult(item.jobId, 1, "w1", "x = 1\n"),
  producer: { peer, host },
});

describe("VolunteerChecks", () => {
  it("never gives a producer its own answer, nor a peer on its host unless allowed", () => {
    const checks = new VolunteerChecks();
    void checks.request(item, fromProducer("P"), model, 60_000);
    expect(checks.take({ peer: "P", host: "10.0.0.9" }, model, false)).toBeUndefined();
    expect(checks.take({ peer: "Q", host: "10.0.0.1" }, model, false)).toBeUndefined();
    const grant = checks.take({ peer: "R", host: "10.0.0.2" }, model, false);
    expect(grant).toMatchObject({ type: "check", job_id: item.jobId, task: task, model });
    // What the bot alone may say of the result is not sent on.
    expect(grant && "result" in grant ? grant.result.producer : "missing").toBeUndefined();
    const sameHost = new VolunteerChecks({ sameHost: true });
    void sameHost.request(item, fromProducer("P"), model, 60_000);
    expect(sameHost.take({ peer: "Q", host: "10.0.0.1" }, model, false)).toMatchObject({ type: "check" });
    checks.stop();
    sameHost.stop();
  });

  it("settles with the holder's verdict only, counts it for the producer, and hands an unsure one on", async () => {
    const verdicts: [string, string][] = [];
    const checks = new VolunteerChecks({ onVerdict: (producer, status) => verdicts.push([producer, status.status]) });
    const outcome = checks.request(item, fromProducer("P"), model, 60_000);
    const first = checks.take({ peer: "R", host: "10.0.0.2" }, model, false)!;
    const checkId = first.type === "check" ? first.check_id : "";
    expect(checks.verdict("S", { check_id: checkId, status: "checked", reason: "" })).toMatchObject({
      type: "refused",
    });
    // R cannot decide: the check goes to the next checker, never back to R.
    expect(checks.verdict("R", { check_id: checkId, status: "not_checked", reason: "undecided" })).toEqual({
      type: "accepted",
    });
    expect(checks.take({ peer: "R", host: "10.0.0.2" }, model, false)).toBeUndefined();
    expect(checks.take({ peer: "S", host: "10.0.0.3" }, model, false)).toMatchObject({ check_id: checkId });
    checks.verdict("S", { check_id: checkId, status: "failed", reason: "not the model's answer at token 3" });
    expect(await outcome).toEqual({ status: "failed", by: "S", reason: "not the model's answer at token 3" });
    expect(verdicts).toEqual([["P", "failed"]]);
    expect(checks.size).toBe(0);
  });

  it("hands a check only to a checker running the model the job names", () => {
    const checks = new VolunteerChecks();
    void checks.request(item, fromProducer("P"), model, 60_000);
    const other = { sha256: "b".repeat(64), context_size: 1024 };
    expect(checks.take({ peer: "R", host: "10.0.0.2" }, other, false)).toBeUndefined();
    expect(checks.take({ peer: "R", host: "10.0.0.2" }, { ...model, context_size: 2048 }, false)).toBeUndefined();
    expect(checks.take({ peer: "R", host: "10.0.0.2" }, model, false)).toMatchObject({ type: "check", model });
    checks.stop();
  });

  it("gives a lapsed check to another checker, keeps private jobs for trusted peers, and times out as not checked", async () => {
    const checks = new VolunteerChecks();
    const outcome = checks.request(item, fromProducer("P"), model, 50);
    const now = Date.now();
    expect(checks.take({ peer: "R", host: "10.0.0.2" }, model, false, now)).toMatchObject({ type: "check" });
    expect(checks.take({ peer: "S", host: "10.0.0.3" }, model, false, now + 1_000)).toBeUndefined();
    expect(checks.take({ peer: "S", host: "10.0.0.3" }, model, false, now + 10 * 60_000)).toMatchObject({
      type: "check",
    });
    expect(await outcome).toMatchObject({ status: "not_checked", reason: expect.stringMatching(/no volunteer/) });

    const secret = new VolunteerChecks();
    void secret.request(item, fromProducer("P"), model, 60_000, true);
    expect(secret.take({ peer: "R", host: "10.0.0.2" }, model, false)).toBeUndefined();
    expect(secret.take({ peer: "T", host: "10.0.0.4" }, model, true)).toMatchObject({ type: "check" });
    secret.stop();
  });
});
