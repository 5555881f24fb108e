// `dellm workers`: the volunteers this bot has seen, with their record (results, generation checks,
// re-tests that overruled them, leases lapsed, credit) and standing; --block, --trust and --clear
// are the operator's word on one peer. Reads the state database the bot keeps (dellm.db); safe while
// `dellm serve` runs (SQLite's WAL lets both open it).
import { z } from "zod";
import { readCommandLine } from "../../shared/command-line.js";
import { CREDIT, Reputation, type OperatorStanding, type PeerRecord } from "../swarm/reputation.js";
import type { CommandContext } from "./context.js";
import { stateDatabasePath } from "../state/database.js";

export const WORKERS_USAGE = `Usage:
  dellm workers [--json]
  dellm workers --block <peer id> | --trust <peer id> | --clear <peer id>

Lists the volunteers this bot has seen (from <DELLM_STATE_DIR>/dellm.db): results accepted, generation
checks (passed and failed), re-tests that overruled the worker, leases that lapsed, credit
(${CREDIT.perVerifiedToken} per verified answer token, ${CREDIT.perTestRun} per test the bot's re-test ran) and standing:
  new      every result is checked          clean    spot-checked (a share of results)
  caught   failed a check: every result     blocked  no grants, results refused
  trusted  the operator's trust: spot-checked like a clean peer

Options:
  --block <peer id>   no grants or results for this peer until it is cleared
  --trust <peer id>   forget its failed checks and spot-check it like a clean peer
  --clear <peer id>   forget its failed checks and any block: its record decides again
  --json              the records as JSON`;

const PeerIdSchema = z
  .string()
  .regex(/^[1-9A-HJ-NP-Za-km-z]{40,100}$/, "a peer id is a base58 libp2p id (12D3Koo… or Qm…)");

const OptionsSchema = z
  .object({
    block: PeerIdSchema.optional(),
    trust: PeerIdSchema.optional(),
    clear: PeerIdSchema.optional(),
    json: z.boolean(),
  })
  .refine((o) => [o.block, o.trust, o.clear].filter(Boolean).length <= 1, {
    message: "give one of --block, --trust or --clear at a time",
  });

export async function workersCommand(argv: string[], { env, log }: CommandContext): Promise<number> {
  const { options } = readCommandLine(argv, {
    command: "dellm workers",
    flags: {
      block: { type: "string" },
      trust: { type: "string" },
      clear: { type: "string" },
      json: { type: "boolean", default: false },
    },
    schema: OptionsSchema,
    input: (values) => values,
  });
  const ledger = await Reputation.open(stateDatabasePath(env.DELLM_STATE_DIR));
  try {
    const change: [string, OperatorStanding] | undefined = options.block
      ? [options.block, "blocked"]
      : options.trust
        ? [options.trust, "trusted"]
        : options.clear
          ? [options.clear, "auto"]
          : undefined;
    if (change) {
      const record = ledger.setStanding(...change);
      log(`${record.peer}: ${record.standing}`);
      return 0;
    }
    const records = ledger.list();
    if (options.json) log(JSON.stringify(records, null, 2));
    else log(workersTable(records));
    return 0;
  } finally {
    ledger.close();
  }
}

/** One line per peer, columns aligned. */
export function workersTable(records: PeerRecord[]): string {
  if (records.length === 0) return "no volunteer has sent a result to this bot yet";
  const header = ["peer", "host", "results", "checked", "failed", "overruled", "lapsed", "credit", "standing"];
  const rows = records.map((r) => [
    r.peer,
    r.host ?? "—",
    String(r.results),
    String(r.checked - r.failedChecks),
    String(r.failedChecks),
    String(r.overruled),
    String(r.leasesLapsed),
    String(r.credit),
    r.standing,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
