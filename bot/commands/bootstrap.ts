// `dellm bootstrap`: a bare DHT node that bots and workers can join; runs until Ctrl-C.
import { join } from "node:path";
import { z } from "zod";
import { readCommandLine } from "../../shared/command-line.js";
import { joinAddress } from "../../shared/swarm/join-address.js";
import { dialableAddresses, startNode } from "../../shared/swarm/start-node.js";
import { announceNode } from "./start-coordinator.js";
import type { CommandContext } from "./context.js";
import { swarmFlags, swarmOptionsFrom } from "./swarm-options.js";

export const BOOTSTRAP_USAGE = `Usage:
  dellm bootstrap [--listen <multiaddr>] [--key <file>] [--bootstrap <multiaddr>] [--announce <multiaddr>]

Runs a bare swarm node (the DHT only) that bots and workers can join; Ctrl-C stops it.

Options:
  --listen <multiaddr>   where this node listens (default DELLM_LISTEN or /ip4/0.0.0.0/tcp/4001)
  --key <file>           identity key file (default <DELLM_STATE_DIR>/bootstrap.key)
  --bootstrap <addr>     another swarm node to join (repeatable; default DELLM_BOOTSTRAP_PEERS)
  --announce <addr>      the address others dial, when it is not one this node listens on
                         (behind NAT, or a DNS name): /ip4/203.0.113.7/tcp/4002`;

export async function bootstrapCommand(argv: string[], { env, log }: CommandContext): Promise<number> {
  const { values } = readCommandLine(argv, {
    command: "dellm bootstrap",
    flags: swarmFlags,
    schema: z.unknown(),
    input: () => undefined,
  });
  const options = swarmOptionsFrom(values, env, join(env.DELLM_STATE_DIR, "bootstrap.key"));
  const { node, identity } = await startNode(options);
  announceNode(node, `bootstrap node (identity ${identity} in ${options.keyFile})`, log);
  const joining = joinAddress(dialableAddresses(node), node.peerId.toString(), options.announce);
  log(
    `[swarm] others join with: --bootstrap ${joining.address}${joining.reachableFromOtherMachines ? "" : " (loopback only: this machine)"}`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  log("[swarm] stopping");
  await node.stop();
  return 0;
}
