// Can the swarm dial this node? A volunteer asks a DHT server it is connected to (the bot or a
// bootstrap node) to dial it back: the server opens a fresh connection to the address it sees the
// request come from, on the port the volunteer listens on, and answers what it saw. Only a node that
// was dialled back serves the DHT; one behind a NAT or firewall stays a client, so it never enters
// others' routing tables as a peer nobody can reach (issue 25).
//
// Hand-written rather than libp2p's AutoNAT: AutoNAT and kad-dht's automatic mode count every
// private and reserved range as undialable, which is wrong for swarms on a LAN or a lab segment, and
// they decide from addresses alone. The server dials back only the asker's own IP address (never an
// address the asker names, so it cannot be aimed at a third party), and the dial must reach the same
// peer id (Noise), so a port forwarded to someone else does not count.
import type { Connection, PeerId } from "@libp2p/interface";
import { lpStream } from "@libp2p/utils";
import { multiaddr } from "@multiformats/multiaddr";
import type { Libp2p } from "libp2p";
import { z } from "zod";
import { decodeMessage, encodeMessage } from "./json-message.js";

export const DIAL_BACK_PROTOCOL = "/dellm/dial-back/1.0.0";
/** How long a server tries to dial back; a home router that drops the SYN costs this much. */
export const DIAL_BACK_TIMEOUT_MS = 5_000;
/** Dial-backs a server runs at once; more are answered "busy". */
const MAX_CONCURRENT_DIAL_BACKS = 8;
const MAX_MESSAGE_BYTES = 4_096;

const DialBackRequestSchema = z.object({ port: z.number().int().min(1).max(65_535) });

export const DialBackAnswerSchema = z.object({
  /** The address the server saw the request come from (the volunteer's public side of its NAT). */
  observed: z.string().max(200),
  reachable: z.boolean(),
  /** Why not, when not reachable (the dial's error, or "busy"). */
  reason: z.string().max(500).default(""),
});
export type DialBackAnswer = z.infer<typeof DialBackAnswerSchema>;

/** Answer dial-back requests (DHT servers: the bot and bootstrap nodes). */
export async function serveDialBack(node: Libp2p): Promise<void> {
  let running = 0;
  await node.handle(DIAL_BACK_PROTOCOL, async (stream, connection: Connection) => {
    const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
    const signal = AbortSignal.timeout(DIAL_BACK_TIMEOUT_MS * 2);
    try {
      const { port } = decodeMessage(
        DialBackRequestSchema,
        (await lp.read({ signal })).subarray(),
        "dial-back request",
      );
      const observed = connection.remoteAddr.getComponents()[0];
      const family = observed?.name === "ip4" || observed?.name === "ip6" ? observed.name : undefined;
      let answer: DialBackAnswer;
      if (!family || !observed?.value) {
        answer = { observed: connection.remoteAddr.toString(), reachable: false, reason: "not an IP connection" };
      } else if (running >= MAX_CONCURRENT_DIAL_BACKS) {
        answer = { observed: observed.value, reachable: false, reason: "busy" };
      } else {
        running++;
        try {
          answer = await dialBack(node, connection.remotePeer, `/${family}/${observed.value}/tcp/${port}`);
          answer.observed = observed.value;
        } finally {
          running--;
        }
      }
      await lp.write(encodeMessage(answer), { signal });
      await stream.close({ signal });
    } catch (error) {
      stream.abort(error as Error);
    }
  });
}

async function dialBack(node: Libp2p, peer: PeerId, address: string): Promise<DialBackAnswer> {
  try {
    // force: a new connection even though the asker is connected, so the dial really happens.
    const connection = await node.dial(multiaddr(`${address}/p2p/${peer.toString()}`), {
      force: true,
      signal: AbortSignal.timeout(DIAL_BACK_TIMEOUT_MS),
    });
    await connection.close().catch(() => {});
    return { observed: "", reachable: true, reason: "" };
  } catch (error) {
    return { observed: "", reachable: false, reason: (error as Error).message.slice(0, 500) };
  }
}

/** Ask `server` to dial this node back on `port` (the TCP port it listens on). */
export async function askDialBack(node: Libp2p, server: PeerId, port: number): Promise<DialBackAnswer> {
  const signal = AbortSignal.timeout(DIAL_BACK_TIMEOUT_MS * 2);
  const stream = await node.dialProtocol(server, DIAL_BACK_PROTOCOL, { signal });
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES });
    await lp.write(encodeMessage({ port }), { signal });
    const answer = decodeMessage(DialBackAnswerSchema, (await lp.read({ signal })).subarray(), "dial-back answer");
    await stream.close({ signal });
    return answer;
  } catch (error) {
    stream.abort(error as Error);
    throw error;
  }
}
