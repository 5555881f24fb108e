// A worker whose coordinator goes away at the end of a session (the bot stops serving, then its
// node stops): one calm line that the coordinator left, not an error on every retry.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStateDatabase, stateDatabasePath } from "../bot/state/database.js";
import { SwarmCoordinator } from "../bot/swarm/coordinator.js";
import { createSwarmNode } from "../shared/swarm/swarm-node.js";
import { SwarmTaskBoard, type SwarmBoardEvent } from "./swarm-task-board.js";
import { describeBoardEvent } from "./worker-command.js";

describe("SwarmTaskBoard when the coordinator leaves", () => {
  it("says once that the coordinator left, whether it stopped serving or its node is gone", async () => {
    const botKey = await generateKeyPair("Ed25519");
    const bot = await createSwarmNode({ privateKey: botKey });
    const database = await openStateDatabase(stateDatabasePath(await mkdtemp(join(tmpdir(), "dellm-left-"))));
    const coordinator = await SwarmCoordinator.start({
      node: bot,
      privateKey: botKey,
      database,
      leaseSeconds: 60,
    });
    const workerKey = await generateKeyPair("Ed25519");
    const worker = await createSwarmNode({ privateKey: workerKey, bootstrap: [bot.getMultiaddrs()[0]!.toString()] });
    const events: SwarmBoardEvent[] = [];
    try {
      const board = await SwarmTaskBoard.join({
        node: worker,
        privateKey: workerKey,
        coordinator: bot.peerId.toString(),
        claimWaitMs: 0,
        onEvent: (e) => events.push(e),
      });
      expect(await board.claim("w")).toBeNull(); // served: nothing to do yet
      await coordinator.stop(); // the bot's job is over: its node still runs, the protocol is gone
      expect(await board.claim("w")).toBeNull();
      await bot.stop(); // then the bot exits
      expect(await board.claim("w")).toBeNull();
      const unreachable = events.filter((e) => e.kind === "coordinator-unreachable");
      expect(unreachable).toHaveLength(1);
      expect(unreachable[0]).toMatchObject({ left: true });
      expect(describeBoardEvent(unreachable[0]!)).toBe(
        "[worker] the coordinator left the swarm (its bot stopped or is restarting); waiting for it to come back (Ctrl-C to stop)",
      );
    } finally {
      await worker.stop();
      await Promise.resolve(bot.stop()).catch(() => undefined);
      database.close();
    }
  }, 60_000);
});
