// Which of a node's addresses to print in the join command volunteers copy: one that other
// machines can dial. A node listening on 0.0.0.0 has every interface's address, loopback first;
// 127.0.0.1 works only on the bot's own machine.
import { UsageError } from "../usage-error.js";

export interface JoinAddress {
  /** Full multiaddr, ending in /p2p/<peer id>. */
  address: string;
  /** False when only loopback addresses were found (the join command then works on this machine only). */
  reachableFromOtherMachines: boolean;
}

/** Lower is better; undefined: never hand it to others (loopback, link-local, unspecified). */
function rank(address: string): number | undefined {
  const ip4 = address.match(/^\/ip4\/(\d+)\.(\d+)\.\d+\.\d+\//);
  if (ip4) {
    const [a, b] = [Number(ip4[1]), Number(ip4[2])];
    if (a === 127 || a === 0 || (a === 169 && b === 254)) return undefined;
    if (a === 172 && b === 17) return 3; // Docker's default bridge: reachable from containers only
    const isPrivate =
      a === 10 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31) || (a === 100 && b >= 64 && b <= 127);
    return isPrivate ? 1 : 0;
  }
  if (/^\/ip6\/(::1?|fe[89ab][0-9a-f]:[^/]*)\//i.test(address)) return undefined;
  if (/^\/ip6\//.test(address)) return 2;
  if (/^\/dns[46]?\//.test(address)) return 0;
  return undefined;
}

/** Refuses an --announce value that is not a TCP multiaddr, naming the form to use. */
export function checkAnnounce(announce: string): void {
  if (!/^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d+(\/p2p\/[^/]+)?\/?$/.test(announce)) {
    throw new UsageError(
      `--announce ${announce} is not a TCP multiaddr; give e.g. /ip4/203.0.113.7/tcp/4001 or /dns4/bot.example.org/tcp/4001`,
    );
  }
}

function withPeerId(address: string, peerId: string): string {
  return address.includes("/p2p/") ? address : `${address.replace(/\/$/, "")}/p2p/${peerId}`;
}

/**
 * The address for the join command: `announce` when given (a public address or name behind NAT),
 * else the best non-loopback address the node listens on, else its first address.
 */
export function joinAddress(addresses: string[], peerId: string, announce?: string): JoinAddress {
  if (announce) {
    checkAnnounce(announce);
    return { address: withPeerId(announce, peerId), reachableFromOtherMachines: true };
  }
  const ranked = addresses.map((address) => ({ address, rank: rank(address) })).filter((a) => a.rank !== undefined);
  ranked.sort((x, y) => x.rank! - y.rank!);
  const best = ranked[0]?.address;
  if (best) return { address: withPeerId(best, peerId), reachableFromOtherMachines: true };
  const first = addresses[0];
  if (!first) throw new Error("the swarm node listens on no address");
  return { address: withPeerId(first, peerId), reachableFromOtherMachines: false };
}
