// Whether a volunteer's node serves the DHT (issue 25). A node that cannot be dialled must stay a
// DHT client: as a server it would be added to routing tables that then send queries nobody can
// deliver. Volunteers start as clients; "auto" asks a DHT server it joined through to dial it back
// (dial-back.ts) and becomes a server only when that dial arrives.
import type { PeerId } from "@libp2p/interface";
import { askDialBack } from "./dial-back.js";
import type { SwarmNode } from "./swarm-node.js";

/** dellm-worker's --dht-server / --dht-client; "auto" (the default) decides by dial-back. */
export type DhtModeChoice = "auto" | "server" | "client";

export interface DhtModeDecision {
  mode: "server" | "client";
  /** Why, in words for the volunteer's log. */
  reason: string;
  /** The address the server saw this node's request come from (auto only). */
  observed?: string;
}

/**
 * Put `node` (started with dhtMode "client" unless `choice` is "server") in the mode `choice` asks
 * for; for "auto", ask `server` (a peer this node is connected to) to dial it back.
 */
export async function settleDhtMode(node: SwarmNode, choice: DhtModeChoice, server: PeerId): Promise<DhtModeDecision> {
  if (choice !== "auto") {
    await node.services.dht.setMode(choice);
    return { mode: choice, reason: `--dht-${choice}` };
  }
  const port = listeningPort(node);
  if (port === undefined) {
    await node.services.dht.setMode("client");
    return { mode: "client", reason: "this node listens on no TCP port" };
  }
  let answer;
  try {
    answer = await askDialBack(node, server, port);
  } catch (error) {
    await node.services.dht.setMode("client");
    return { mode: "client", reason: `could not ask ${server.toString()} to dial back (${(error as Error).message})` };
  }
  if (answer.reachable) {
    await node.services.dht.setMode("server");
    return { mode: "server", reason: `dialled back at ${answer.observed} port ${port}`, observed: answer.observed };
  }
  await node.services.dht.setMode("client");
  const own = node.getMultiaddrs().some((address) => address.getComponents()[0]?.value === answer.observed);
  const where = own
    ? `${answer.observed} port ${port} could not be dialled`
    : `the swarm sees this machine as ${answer.observed} (a NAT) and could not dial port ${port} there`;
  return { mode: "client", reason: `${where}: ${answer.reason}`, observed: answer.observed };
}

/** The TCP port this node listens on (the first listen address with one). */
export function listeningPort(node: SwarmNode): number | undefined {
  for (const address of node.getMultiaddrs()) {
    const tcp = address.getComponents().find((component) => component.name === "tcp");
    if (tcp?.value) return Number(tcp.value);
  }
  return undefined;
}
