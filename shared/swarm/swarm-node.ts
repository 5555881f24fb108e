// A dellm swarm node: libp2p over TCP with Noise and Yamux, and a Kademlia DHT on dellm's own
// protocol id (so it never joins or pollutes another DHT) whose validators accept only signed
// dellm records, and gossipsub for the coordinator's "tasks ready" announcements (the fast path;
// workers also pull). Bot, bootstrap and workers all start one of these.
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { gossipsub, type GossipSub } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { PrivateKey } from "@libp2p/interface";
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from "@libp2p/kad-dht";
import { ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { isPrivate } from "@libp2p/utils";
import { multiaddr } from "@multiformats/multiaddr";
import { createLibp2p, type Libp2p } from "libp2p";
import { serveDialBack } from "./dial-back.js";
import { RECORD_NAMESPACE, selectNewestRecord, validateDhtRecord } from "./signed-record.js";

export const DHT_PROTOCOL = "/dellm/kad/1.0.0";

export interface SwarmNodeOptions {
  privateKey?: PrivateKey;
  /** Listen multiaddrs. Default: loopback on a free TCP port. */
  listen?: string[];
  /**
   * The address others should dial, when it is not one this node listens on (a bot behind a NAT
   * with a forwarded port, or a DNS name): identify and the DHT then hand out this one. Default: the
   * listen addresses.
   */
  announce?: string;
  /** Multiaddrs (with /p2p/<peer id>) dialled after start. */
  bootstrap?: string[];
  /**
   * Keep private and loopback addresses in the routing table (tests, one-machine swarms, LANs).
   * Default true when every listen address is private or reserved (as libp2p counts them: LANs,
   * carrier-grade NAT, the benchmarking range a network lab uses) or 0.0.0.0.
   */
  privateNetwork?: boolean;
  /**
   * "server": this node answers DHT queries and dial-back requests (the bot, bootstrap nodes, and
   * volunteers that were dialled back); "client": it only asks, so a node nobody can dial never
   * enters others' routing tables (settleDhtMode switches a dialable volunteer to server). Default "server".
   */
  dhtMode?: "server" | "client";
  /** Called for each outgoing dial that failed (figures: dials wasted on unreachable peers). */
  onDialFailed?: (address: string) => void;
}

export type SwarmNode = Libp2p<{
  dht: KadDHT;
  pubsub: GossipSub;
  identify: ReturnType<ReturnType<typeof identify>>;
  ping: ReturnType<ReturnType<typeof ping>>;
}>;

export async function createSwarmNode(options: SwarmNodeOptions = {}): Promise<SwarmNode> {
  const listen = options.listen ?? ["/ip4/127.0.0.1/tcp/0"];
  const privateNetwork =
    options.privateNetwork ??
    listen.every((address) => address.startsWith("/ip4/0.0.0.0/") || isPrivate(multiaddr(address)));
  const node = await createLibp2p({
    privateKey: options.privateKey,
    addresses: {
      listen,
      ...(options.announce ? { announce: [options.announce.replace(/\/p2p\/[^/]+\/?$/, "")] } : {}),
    },
    // libp2p refuses a 6th connection per second from one host; volunteers behind one NAT (or a
    // loopback swarm) joining at once would be reset. The DHT still rate-limits by peer.
    connectionManager: { inboundConnectionThreshold: 50 },
    transports: [options.onDialFailed ? countingFailedDials(tcp(), options.onDialFailed) : tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      // Messages are signed by their author (StrictSign), so `from` can be checked against the
      // pinned coordinator; a lone coordinator may announce before any worker has joined.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        // Decided by dellm, not by kad-dht's address check: volunteers on home networks and LANs
        // look "private" to it even when they can be dialled (see dial-back.ts).
        clientMode: (options.dhtMode ?? "server") === "client",
        peerInfoMapper: privateNetwork ? passthroughMapper : removePrivateAddressesMapper,
        validators: { [RECORD_NAMESPACE]: validateDhtRecord },
        selectors: { [RECORD_NAMESPACE]: selectNewestRecord },
        // A lone bootstrap node must still answer puts instead of hanging.
        allowQueryWithZeroPeers: true,
      }),
    },
  });
  try {
    if ((options.dhtMode ?? "server") === "server") await serveDialBack(node);
    await dialBootstrap(node, options.bootstrap ?? []);
  } catch (error) {
    await node.stop();
    throw error;
  }
  return node as unknown as SwarmNode;
}

async function dialBootstrap(node: Libp2p, addresses: string[]): Promise<void> {
  for (const address of addresses) {
    let parsed;
    try {
      parsed = multiaddr(address);
    } catch {
      throw new Error(
        `bootstrap address ${JSON.stringify(address)} is not a multiaddr; expected e.g. /ip4/1.2.3.4/tcp/4001/p2p/12D3Koo…`,
      );
    }
    if (!parsed.toString().includes("/p2p/"))
      throw new Error(`bootstrap address ${address} has no /p2p/<peer id> part; copy the full address the bot prints`);
    try {
      await node.dial(parsed, { signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new Error(`cannot reach bootstrap peer ${address}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The TCP transport, telling `onFailed` of every dial that fails. */
function countingFailedDials(
  transport: ReturnType<typeof tcp>,
  onFailed: (address: string) => void,
): ReturnType<typeof tcp> {
  return (components) => {
    const made = transport(components);
    const dial = made.dial.bind(made);
    made.dial = async (address, options) => {
      try {
        return await dial(address, options);
      } catch (error) {
        onFailed(address.toString());
        throw error;
      }
    };
    return made;
  };
}
