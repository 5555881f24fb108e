// `dellm-worker doctor`'s checks of the swarm: the bootstrap addresses answer (a libp2p dial, bounded),
// the pinned coordinator is found and serves the coordinator protocol (found through the DHT when it
// is not the bootstrap peer itself; nothing is claimed), and whether this machine can be dialled: the
// bot is asked to dial it back (as the worker does to choose its DHT mode), else what the other side
// saw of it (identify's observed address against this machine's own addresses).
import type { IdentifyResult, PeerId } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { networkInterfaces } from "node:os";
import { COORDINATOR_PROTOCOL } from "../../shared/swarm/coordinator-protocol.js";
import { createSwarmNode, DHT_PROTOCOL, type SwarmNode } from "../../shared/swarm/swarm-node.js";
import { askDialBack } from "../../shared/swarm/dial-back.js";
import { listeningPort } from "../../shared/swarm/dht-mode.js";
import type { CheckResult } from "./local-checks.js";

export interface SwarmCheckOptions {
  bootstrap: string[];
  coordinator?: string;
  listen: string[];
  timeoutMs: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BOOTSTRAP_FIX =
  "copy the whole `dellm-worker --bootstrap … --coordinator …` line the bot prints; check that the bot is running and that its swarm port (TCP 4001 by default) is open to you";

/** Runs the three swarm checks on a node of its own, stopped before it returns. */
export async function checkSwarm(options: SwarmCheckOptions): Promise<CheckResult[]> {
  if (options.bootstrap.length === 0)
    return [
      {
        name: "bootstrap",
        status: "FAIL",
        detail: "no bootstrap address given",
        fix: "pass --bootstrap <the address the bot prints> (or set DELLM_BOOTSTRAP_PEERS)",
      },
      { name: "coordinator", status: "skip", detail: "needs a bootstrap address" },
    ];
  let node: SwarmNode;
  try {
    node = await createSwarmNode({ listen: options.listen });
  } catch (error) {
    return [
      {
        name: "bootstrap",
        status: "FAIL",
        detail: `cannot start a swarm node on ${options.listen.join(", ")}: ${(error as Error).message}`,
        fix: "give --listen an address of this machine with a free port, e.g. /ip4/0.0.0.0/tcp/0",
      },
    ];
  }
  const identified = new Map<string, IdentifyResult>();
  const onIdentify = (event: CustomEvent<IdentifyResult>) =>
    identified.set(event.detail.peerId.toString(), event.detail);
  node.addEventListener("peer:identify", onIdentify);
  try {
    const results: CheckResult[] = [];
    const reached: PeerId[] = [];
    for (const address of options.bootstrap) {
      const { result, peer } = await dialBootstrap(node, address, options.timeoutMs);
      results.push(result);
      if (peer) reached.push(peer);
    }
    const coordinator = await checkCoordinator(node, options, reached, identified);
    results.push(coordinator);
    if (coordinator.status === "ok") {
      // The real answer: ask the bot to dial this machine back, as the worker does on joining.
      results.push(await checkDialBack(node, peerIdFromString(options.coordinator!)));
    } else if (reached.length > 0) {
      await waitFor(() => reached.some((peer) => identified.has(peer.toString())), options.timeoutMs);
      results.push(describeReachability(node, [...identified.values()]));
    }
    return results;
  } finally {
    node.removeEventListener("peer:identify", onIdentify);
    await node.stop();
  }
}

async function dialBootstrap(
  node: SwarmNode,
  address: string,
  timeoutMs: number,
): Promise<{ result: CheckResult; peer?: PeerId }> {
  let parsed: Multiaddr;
  try {
    parsed = multiaddr(address);
  } catch {
    return {
      result: {
        name: "bootstrap",
        status: "FAIL",
        detail: `${JSON.stringify(address)} is not a multiaddr`,
        fix: `${BOOTSTRAP_FIX} (it looks like /ip4/1.2.3.4/tcp/4001/p2p/12D3Koo…)`,
      },
    };
  }
  const peerPart = parsed.getComponents().find((component) => component.name === "p2p")?.value;
  if (!peerPart)
    return {
      result: {
        name: "bootstrap",
        status: "FAIL",
        detail: `${address} has no /p2p/<peer id> part`,
        fix: BOOTSTRAP_FIX,
      },
    };
  const started = performance.now();
  try {
    const connection = await node.dial(parsed, { signal: AbortSignal.timeout(timeoutMs) });
    return {
      peer: connection.remotePeer,
      result: {
        name: "bootstrap",
        status: "ok",
        detail: `${address} answers (connected in ${Math.round(performance.now() - started)} ms)`,
      },
    };
  } catch (error) {
    const timedOut = performance.now() - started >= timeoutMs - 50;
    return {
      result: {
        name: "bootstrap",
        status: "FAIL",
        detail: `${address} does not answer: ${timedOut ? `no answer within ${timeoutMs / 1000} s` : (error as Error).message}`,
        fix: BOOTSTRAP_FIX,
      },
    };
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await pause(50);
  }
  return condition();
}

async function checkCoordinator(
  node: SwarmNode,
  options: SwarmCheckOptions,
  reached: PeerId[],
  identified: Map<string, IdentifyResult>,
): Promise<CheckResult> {
  const name = "coordinator";
  if (!options.coordinator)
    return {
      name,
      status: "FAIL",
      detail: "no coordinator given",
      fix: "pass --coordinator <the bot's peer id, the part after /p2p/ in its address> (or set DELLM_COORDINATOR)",
    };
  if (reached.length === 0) return { name, status: "skip", detail: "needs a bootstrap address that answers" };
  let coordinator: PeerId;
  try {
    coordinator = peerIdFromString(options.coordinator);
  } catch {
    return {
      name,
      status: "FAIL",
      detail: `${JSON.stringify(options.coordinator)} is not a peer id`,
      fix: "give --coordinator the part after /p2p/ in the bot's address (12D3Koo…)",
    };
  }
  const wrongPeer = `check --coordinator: it is the peer id the bot prints after /p2p/ (the bootstrap node's own id is ${reached[0]!.toString()})`;
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    if (node.getConnections(coordinator).length === 0) {
      // Not the bootstrap peer: ask the DHT, once the bootstrap peer is known to speak it.
      await waitFor(
        async () =>
          (await node.peerStore.get(reached[0]!).catch(() => undefined))?.protocols.includes(DHT_PROTOCOL) ?? false,
        options.timeoutMs,
      );
      const found = await node.peerRouting.findPeer(coordinator, { signal });
      await node.dial(found.multiaddrs.length > 0 ? found.multiaddrs : coordinator, { signal });
    }
    await waitFor(() => identified.has(coordinator.toString()), options.timeoutMs);
    const protocols = identified.get(coordinator.toString())?.protocols ?? [];
    if (!protocols.includes(COORDINATOR_PROTOCOL))
      return {
        name,
        status: "FAIL",
        detail: `peer ${coordinator} answers but serves no dellm coordinator (${COORDINATOR_PROTOCOL}): it is a bootstrap node or not a dellm bot`,
        fix: wrongPeer,
      };
    const rtt = await node.services.ping.ping(coordinator, { signal }).catch(() => undefined);
    return {
      name,
      status: "ok",
      detail: `${coordinator} found, serves ${COORDINATOR_PROTOCOL}${rtt === undefined ? "" : ` (ping ${Math.round(rtt)} ms)`}`,
    };
  } catch (error) {
    return {
      name,
      status: "FAIL",
      detail: `${coordinator} was not found in the swarm within ${options.timeoutMs / 1000} s (${(error as Error).message})`,
      fix: `${wrongPeer}; or the bot is not running`,
    };
  }
}

/** Whether the bot could dial this machine back (shared/swarm/dial-back.ts); never a failure. */
async function checkDialBack(node: SwarmNode, coordinator: PeerId): Promise<CheckResult> {
  const name = "dialable";
  const port = listeningPort(node);
  if (port === undefined) return { name, status: "info", detail: "this node listens on no TCP port" };
  try {
    const answer = await askDialBack(node, coordinator, port);
    if (answer.reachable)
      return {
        name,
        status: "ok",
        detail: `the bot dialled this machine back at ${answer.observed} port ${port}: the worker will also serve the DHT`,
      };
    const own = ownAddresses().has(answer.observed.toLowerCase());
    return {
      name,
      status: "info",
      detail: `the bot sees this machine as ${answer.observed}${own ? "" : " (behind a NAT)"} and could not dial it back on port ${port} (${answer.reason}): fine, the worker opens every connection itself and runs the DHT as a client`,
    };
  } catch (error) {
    return {
      name,
      status: "info",
      detail: `could not ask the bot to dial this machine back (${(error as Error).message}); the worker will run the DHT as a client`,
    };
  }
}

function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const entries of Object.values(networkInterfaces()))
    for (const entry of entries ?? []) own.add(entry.address.toLowerCase());
  return own;
}

function hostOf(address: Multiaddr): string | undefined {
  return address
    .getComponents()
    .find((component) => ["ip4", "ip6"].includes(component.name))
    ?.value?.toLowerCase();
}

/**
 * Whether others could dial this machine, from what the peers it reached saw of it: an observed
 * address that is one of this machine's own means no NAT in between (dialable where its listen
 * port is open); another address means a NAT, which a worker does not mind. Never a failure.
 */
export function describeReachability(
  node: Pick<SwarmNode, "getMultiaddrs">,
  identifies: Array<Pick<IdentifyResult, "observedAddr">>,
  own: Set<string> = ownAddresses(),
): CheckResult {
  const listening = node
    .getMultiaddrs()
    .map((address) => address.toString().replace(/\/p2p\/.*$/, ""))
    .join(", ");
  const observed = [
    ...new Set(identifies.flatMap(({ observedAddr }) => (observedAddr ? [hostOf(observedAddr)] : [])).filter(Boolean)),
  ] as string[];
  if (observed.length === 0)
    return {
      name: "dialable",
      status: "info",
      detail: `unknown: no peer said how it sees this machine (listening on ${listening || "nothing"}); fine, workers open every stream themselves`,
    };
  const foreign = observed.filter((host) => !own.has(host));
  if (foreign.length === 0)
    return {
      name: "dialable",
      status: "ok",
      detail: `peers see this machine at ${observed.join(", ")}, one of its own addresses (listening on ${listening}): it can be dialled where its port is open`,
    };
  return {
    name: "dialable",
    status: "info",
    detail: `peers see this machine at ${foreign.join(", ")}, which is not one of its addresses (listening on ${listening}): probably behind NAT: fine, workers open every stream themselves`,
  };
}
