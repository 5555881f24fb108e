// Volunteers' standing, BOINC's way (issue 22): a new peer's results are all checked; a peer with a
// clean record is spot-checked at a rate that is never 0; a peer caught once is checked every time;
// caught `blockAfter` times it gets no grants until an operator clears it. Peer ids are free to
// mint, so standing also follows the host: while any peer on a host has been caught, every peer on
// it is checked every time. Kept in the bot's state database across restarts; `dellm workers`
// shows it and lets the operator block, trust or clear a peer.
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { openStateDatabase } from "../state/database.js";

export interface ReputationPolicy {
  /** Share of a clean or trusted peer's results still checked. Default 0.1; never 0. */
  spotCheckRate: number;
  /** Clean checks after which a peer is only spot-checked. Default 10. */
  cleanChecksToSpot: number;
  /** Failed checks after which a peer gets no grants until an operator clears it. Default 3. */
  blockAfter: number;
}

export const DEFAULT_REPUTATION_POLICY: ReputationPolicy = { spotCheckRate: 0.1, cleanChecksToSpot: 10, blockAfter: 3 };

export const ReputationPolicySchema = z.object({
  spotCheckRate: z
    .number()
    .gt(0, "the spot-check rate must be above 0: a peer with a clean record is still checked sometimes")
    .max(1),
  cleanChecksToSpot: z.number().int().min(1),
  blockAfter: z.number().int().min(1),
});

/** Credit per verified answer token, and per repository test the bot's re-test ran on accepted code. */
export const CREDIT = { perVerifiedToken: 1, perTestRun: 10 } as const;

/** What an operator decided about a peer ("auto": its record decides). */
export type OperatorStanding = "auto" | "trusted" | "blocked";
export type Standing = "new" | "clean" | "caught" | "blocked" | "trusted";

export interface PeerRecord {
  peer: string;
  host: string | null;
  results: number;
  checked: number;
  failedChecks: number;
  overruled: number;
  leasesLapsed: number;
  verifiedTokens: number;
  testsRun: number;
  credit: number;
  standing: Standing;
  operator: OperatorStanding;
  firstSeen: number;
  lastSeen: number;
}

interface Row {
  peer: string;
  host: string | null;
  results: number;
  checked: number;
  failed_checks: number;
  overruled: number;
  leases_lapsed: number;
  verified_tokens: number;
  tests_run: number;
  standing: OperatorStanding;
  first_seen: number;
  last_seen: number;
}

export class Reputation {
  readonly policy: ReputationPolicy;

  constructor(
    private readonly db: DatabaseSync,
    policy: Partial<ReputationPolicy> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.policy = ReputationPolicySchema.parse({ ...DEFAULT_REPUTATION_POLICY, ...policy });
  }

  /** The ledger in the state database at `path` (stateDatabasePath), owning its connection (close() closes it). */
  static async open(path: string, policy: Partial<ReputationPolicy> = {}): Promise<Reputation> {
    return new Reputation(await openStateDatabase(path), policy);
  }

  /** A result from `peer` (on `host`) was accepted by the coordinator. */
  recordResult(peer: string, host?: string): void {
    this.touch(peer, host);
    this.db.prepare("UPDATE peers SET results = results + 1 WHERE peer = ?").run(peer);
  }

  /**
   * Whether to check this peer's result now, and why (the PR table says so when it is not).
   * `random` in [0, 1): the spot check's draw.
   */
  shouldCheck(peer: string, random: number = Math.random()): { check: boolean; why: string } {
    const record = this.get(peer);
    if (!record) return { check: true, why: "a new peer: every result is checked" };
    if (this.hostCaught(record)) return { check: true, why: "a peer on this host was caught: every result is checked" };
    switch (record.standing) {
      case "new":
        return { check: true, why: `a new peer (${record.checked} of ${this.policy.cleanChecksToSpot} clean checks)` };
      case "caught":
      case "blocked":
        return { check: true, why: `caught ${record.failedChecks} time(s): every result is checked` };
      default: {
        const rate = this.policy.spotCheckRate;
        const check = random < rate;
        return {
          check,
          why: check
            ? `spot check (${record.standing} record; ${Math.round(rate * 100)} % are checked)`
            : `spot check skipped: a ${record.standing} record of ${record.checked} clean checks, ${Math.round(rate * 100)} % of results are checked`,
        };
      }
    }
  }

  /** The outcome of a generation check of this peer's result; `verifiedTokens` earn credit when it passed. */
  recordCheck(peer: string, passed: boolean, verifiedTokens: number): void {
    this.touch(peer);
    if (passed)
      this.db
        .prepare("UPDATE peers SET checked = checked + 1, verified_tokens = verified_tokens + ? WHERE peer = ?")
        .run(verifiedTokens, peer);
    else
      this.db
        .prepare("UPDATE peers SET checked = checked + 1, failed_checks = failed_checks + 1 WHERE peer = ?")
        .run(peer);
  }

  /** The bot's re-test ran `testsRun` tests on this peer's code; `overruled`: it contradicted the peer's claim. */
  recordRetest(peer: string, testsRun: number, overruled: boolean): void {
    this.touch(peer);
    this.db
      .prepare("UPDATE peers SET tests_run = tests_run + ?, overruled = overruled + ? WHERE peer = ?")
      .run(testsRun, overruled ? 1 : 0, peer);
  }

  /** A lease this peer held ran out without a result. */
  recordLeaseLapsed(peer: string): void {
    this.touch(peer);
    this.db.prepare("UPDATE peers SET leases_lapsed = leases_lapsed + 1 WHERE peer = ?").run(peer);
  }

  /** Whether the peer may get no grants and its results are refused. */
  isBlocked(peer: string): boolean {
    return this.get(peer)?.standing === "blocked";
  }

  /**
   * The operator's word: "blocked" (no grants), "trusted" (spot-checked, its failed checks cleared),
   * "auto" (cleared: failed checks forgotten, its record decides again).
   */
  setStanding(peer: string, standing: OperatorStanding): PeerRecord {
    this.touch(peer);
    this.db
      .prepare(
        standing === "blocked"
          ? "UPDATE peers SET standing = ? WHERE peer = ?"
          : "UPDATE peers SET standing = ?, failed_checks = 0 WHERE peer = ?",
      )
      .run(standing, peer);
    return this.get(peer)!;
  }

  get(peer: string): PeerRecord | undefined {
    const row = this.db.prepare("SELECT * FROM peers WHERE peer = ?").get(peer) as Row | undefined;
    return row ? this.toRecord(row) : undefined;
  }

  /** Every peer, most credit first. */
  list(): PeerRecord[] {
    const rows = this.db.prepare("SELECT * FROM peers").all() as unknown as Row[];
    return rows.map((row) => this.toRecord(row)).sort((a, b) => b.credit - a.credit || a.peer.localeCompare(b.peer));
  }

  close(): void {
    this.db.close();
  }

  private touch(peer: string, host?: string): void {
    const now = this.now();
    this.db
      .prepare(
        `INSERT INTO peers (peer, host, first_seen, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (peer) DO UPDATE SET last_seen = excluded.last_seen, host = COALESCE(excluded.host, peers.host)`,
      )
      .run(peer, host ?? null, now, now);
  }

  /** Another peer on the same host has failed a check (its ids may be freshly minted). */
  private hostCaught(record: PeerRecord): boolean {
    if (!record.host) return false;
    const row = this.db
      .prepare("SELECT COUNT(*) AS n FROM peers WHERE host = ? AND peer != ? AND failed_checks > 0")
      .get(record.host, record.peer) as { n: number };
    return row.n > 0;
  }

  private toRecord(row: Row): PeerRecord {
    const standing: Standing =
      row.standing === "blocked" || row.failed_checks >= this.policy.blockAfter
        ? "blocked"
        : row.failed_checks > 0
          ? "caught"
          : row.standing === "trusted"
            ? "trusted"
            : row.checked >= this.policy.cleanChecksToSpot
              ? "clean"
              : "new";
    return {
      peer: row.peer,
      host: row.host,
      results: row.results,
      checked: row.checked,
      failedChecks: row.failed_checks,
      overruled: row.overruled,
      leasesLapsed: row.leases_lapsed,
      verifiedTokens: row.verified_tokens,
      testsRun: row.tests_run,
      credit: row.verified_tokens * CREDIT.perVerifiedToken + row.tests_run * CREDIT.perTestRun,
      standing,
      operator: row.standing,
      firstSeen: row.first_seen,
      lastSeen: row.last_seen,
    };
  }
}
