// Which machine a peer connects from, for bounds and standing per host rather than per peer id
// (ids are free to mint; addresses are not).
import type { Multiaddr } from "@multiformats/multiaddr";

/**
 * The host a connection comes from, for bounds per machine: its IPv4 address, the /64 prefix of its
 * IPv6 address (one subscriber gets a whole /64), else the address's first part.
 */
export function hostOf(address: Multiaddr): string {
  const first = address.getComponents()[0];
  if (!first?.value) return address.toString();
  if (first.name !== "ip6") return first.value;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(first.value);
  if (mapped) return mapped[1]!;
  // Expand "::" (a trailing dotted IPv4 part counts as two groups) and keep the first four groups.
  const [head = "", tail = ""] = first.value.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = (tail ? tail.split(":") : []).flatMap((g) => (g.includes(".") ? ["0", "0"] : [g]));
  const groups = first.value.includes("::")
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}
