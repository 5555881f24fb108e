// Dial-back and the DHT mode it decides, on real libp2p nodes over loopback (the network lab test,
// test/swarm-nat.e2e.test.ts, covers volunteers behind real NAT routers).
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askDialBack, DIAL_BACK_PROTOCOL } from "./dial-back.js";
import { settleDhtMode } from "./dht-mode.js";
import { createSwarmNode, DHT_PROTOCOL, type SwarmNode } from "./swarm-node.js";

let server: SwarmNode;
const nodes: SwarmNode[] = [];
let stranger: Server;

beforeAll(async () => {
  server = await createSwarmNode();
  stranger = createServer((socket) => socket.destroy()).listen(0, "127.0.0.1");
});

afterAll(async () => {
  stranger.close();
  await Promise.all([server, ...nodes].map((node) => node.stop()));
});

async function volunteer(dhtMode: "client" | "server" = "client"): Promise<SwarmNode> {
  const node = await createSwarmNode({ dhtMode, bootstrap: [server.getMultiaddrs()[0]!.toString()] });
  nodes.push(node);
  return node;
}

const portOf = (node: SwarmNode) => Number(node.getMultiaddrs()[0]!.getComponents()[1]!.value);

describe("dial-back", () => {
  it("a DHT server dials the asker back on its own address and port, and says what it saw", async () => {
    const node = await volunteer();
    const answer = await askDialBack(node, server.peerId, portOf(node));
    expect(answer).toMatchObject({ observed: "127.0.0.1", reachable: true });
  });

  it("is not fooled by a port where someone else answers: the dial must reach the asker's peer id", async () => {
    const node = await volunteer();
    const { port } = stranger.address() as { port: number };
    const answer = await askDialBack(node, server.peerId, port);
    expect(answer.reachable).toBe(false);
    expect(answer.reason).not.toBe("");
    // A closed port is no better.
    const closed = await askDialBack(node, server.peerId, 1);
    expect(closed.reachable).toBe(false);
  });

  it("only DHT servers answer it; volunteers that start as clients neither answer nor serve the DHT", async () => {
    const client = await volunteer("client");
    expect(server.getProtocols()).toContain(DIAL_BACK_PROTOCOL);
    expect(client.getProtocols()).not.toContain(DIAL_BACK_PROTOCOL);
    expect(client.getProtocols()).not.toContain(DHT_PROTOCOL);
    expect(client.services.dht.getMode()).toBe("client");
  });
});

describe("the DHT mode of a volunteer", () => {
  it("auto: a volunteer that was dialled back serves the DHT", async () => {
    const node = await volunteer();
    const decision = await settleDhtMode(node, "auto", server.peerId);
    expect(decision).toMatchObject({ mode: "server", observed: "127.0.0.1" });
    expect(node.services.dht.getMode()).toBe("server");
    expect(node.getProtocols()).toContain(DHT_PROTOCOL);
  });

  it("auto: one that cannot be dialled stays a client, and says why", async () => {
    const node = await volunteer();
    // A server that cannot answer (an old bot) counts as "not dialled back".
    const bootstrapOnly = await createSwarmNode({ dhtMode: "client" });
    nodes.push(bootstrapOnly);
    await node.dial(bootstrapOnly.getMultiaddrs()[0]!);
    const decision = await settleDhtMode(node, "auto", bootstrapOnly.peerId);
    expect(decision.mode).toBe("client");
    expect(decision.reason).toMatch(/could not ask/);
    expect(node.services.dht.getMode()).toBe("client");
  });

  it("--dht-server and --dht-client are obeyed without asking", async () => {
    const node = await volunteer();
    expect(await settleDhtMode(node, "server", server.peerId)).toEqual({ mode: "server", reason: "--dht-server" });
    expect(node.services.dht.getMode()).toBe("server");
    expect(await settleDhtMode(node, "client", server.peerId)).toEqual({ mode: "client", reason: "--dht-client" });
    expect(node.services.dht.getMode()).toBe("client");
  });
});
