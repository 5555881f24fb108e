import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Reputation } from "./reputation.js";

let dir: string;
let ledger: Reputation;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "dellm-reputation-"));
  ledger = await Reputation.open(join(dir, "dellm.db"), { cleanChecksToSpot: 3, blockAfter: 2, spotCheckRate: 0.1 });
});
afterEach(async () => {
  ledger.close();
  await rm(dir, { recursive: true, force: true });
});

/** How many of `draws` evenly spread draws would check the peer. */
function checkedShare(peer: string, draws = 1000): number {
  let checked = 0;
  for (let i = 0; i < draws; i++) if (ledger.shouldCheck(peer, (i + 0.5) / draws).check) checked++;
  return checked / draws;
}

describe("Reputation", () => {
  it("checks a new peer every time, then spot-checks it at the rate once its record is clean, never 0", () => {
    expect(ledger.shouldCheck("new-peer")).toEqual({ check: true, why: "a new peer: every result is checked" });
    ledger.recordResult("p1", "10.0.0.1");
    for (let i = 0; i < 2; i++) ledger.recordCheck("p1", true, 100);
    expect(ledger.get("p1")!.standing).toBe("new");
    expect(checkedShare("p1")).toBe(1);
    ledger.recordCheck("p1", true, 100);
    expect(ledger.get("p1")!.standing).toBe("clean");
    expect(checkedShare("p1")).toBeCloseTo(0.1, 2);
    expect(ledger.shouldCheck("p1", 0.5).why).toMatch(/spot check skipped: a clean record of 3 clean checks, 10 %/);
    expect(() => new Reputation((ledger as unknown as { db: never }).db, { spotCheckRate: 0 })).toThrow(
      /spot-check rate must be above 0/,
    );
  });

  it("checks a caught peer every time, blocks it at the limit, and an operator clears it", () => {
    for (let i = 0; i < 3; i++) ledger.recordCheck("p2", true, 10);
    ledger.recordCheck("p2", false, 0);
    expect(ledger.get("p2")!.standing).toBe("caught");
    expect(checkedShare("p2")).toBe(1);
    expect(ledger.isBlocked("p2")).toBe(false);
    ledger.recordCheck("p2", false, 0);
    expect(ledger.isBlocked("p2")).toBe(true);
    expect(ledger.setStanding("p2", "auto").standing).toBe("clean"); // failed checks forgotten
    expect(ledger.isBlocked("p2")).toBe(false);
    ledger.setStanding("p2", "blocked");
    expect(ledger.isBlocked("p2")).toBe(true);
    expect(ledger.setStanding("p2", "trusted").standing).toBe("trusted");
    expect(checkedShare("p2")).toBeCloseTo(0.1, 2);
  });

  it("checks every peer of a host where one was caught: fresh peer ids escape nothing", () => {
    ledger.recordResult("old", "192.0.2.7");
    for (let i = 0; i < 3; i++) ledger.recordCheck("old", true, 10);
    ledger.recordResult("minted", "192.0.2.7");
    for (let i = 0; i < 3; i++) ledger.recordCheck("minted", true, 10);
    expect(checkedShare("old")).toBeCloseTo(0.1, 2);
    ledger.recordResult("caught", "192.0.2.7");
    ledger.recordCheck("caught", false, 0);
    expect(checkedShare("old")).toBe(1);
    expect(ledger.shouldCheck("minted").why).toBe("a peer on this host was caught: every result is checked");
  });

  it("earns credit for verified tokens and tests run, counts overruled claims and lapsed leases", () => {
    ledger.recordResult("p3");
    ledger.recordCheck("p3", true, 250);
    ledger.recordRetest("p3", 4, false);
    ledger.recordRetest("p3", 2, true);
    ledger.recordLeaseLapsed("p3");
    expect(ledger.get("p3")).toMatchObject({
      results: 1,
      checked: 1,
      verifiedTokens: 250,
      testsRun: 6,
      overruled: 1,
      leasesLapsed: 1,
      credit: 250 + 6 * 10,
    });
  });

  it("keeps its records across a restart, in a file only the bot's user can read", async () => {
    ledger.recordResult("p4", "198.51.100.4");
    ledger.recordCheck("p4", false, 0);
    ledger.close();
    ledger = await Reputation.open(join(dir, "dellm.db"), { blockAfter: 2 });
    expect(ledger.get("p4")).toMatchObject({ host: "198.51.100.4", failedChecks: 1, standing: "caught" });
    expect((await stat(join(dir, "dellm.db"))).mode & 0o777).toBe(0o600);
  });

  it("refuses a database written by a newer dellm, naming the fix", async () => {
    ledger.close();
    const { DatabaseSync } = await import("node:sqlite");
    const raw = new DatabaseSync(join(dir, "dellm.db"));
    raw.exec("PRAGMA user_version = 99");
    raw.close();
    await expect(Reputation.open(join(dir, "dellm.db"))).rejects.toThrow(/written by a newer dellm .* upgrade dellm/);
    ledger = await Reputation.open(join(dir, "other.db"));
  });
});
