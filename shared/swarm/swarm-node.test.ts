// Real libp2p nodes on loopback: TCP + Noise + Yamux + kad-dht on dellm's protocol id.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newJobId, type Task } from "../schemas.js";
import { openRecord, recordKey, signRecord } from "./signed-record.js";
import { createSwarmNode, DHT_PROTOCOL, type SwarmNode } from "./swarm-node.js";

const nodes: SwarmNode[] = [];
const jobId = newJobId();
const task: Task = {
  id: 1,
  description: "fib",
  file: "fib.py",
  dependencies: [],
  input_output_spec: "n -> int",
  directory: "",
  context: "",
};

beforeAll(async () => {
  const bootstrap = await createSwarmNode();
  nodes.push(bootstrap);
  const address = bootstrap.getMultiaddrs()[0]!.toString();
  for (let i = 0; i < 2; i++) nodes.push(await createSwarmNode({ bootstrap: [address] }));
  // Let identify run so every node knows the others speak the dellm DHT protocol.
  await new Promise((resolve) => setTimeout(resolve, 500));
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
});

describe("swarm node", () => {
  it("speaks dellm's own DHT protocol", () => {
    expect(nodes[0]!.getProtocols()).toContain(DHT_PROTOCOL);
    expect(nodes[0]!.getProtocols().some((p) => p.startsWith("/ipfs/kad/"))).toBe(false);
  });

  it("stores a signed record on one node and reads it verified on another", async () => {
    const botKey = await generateKeyPair("Ed25519");
    const key = recordKey("task", jobId, 1);
    const [, writer, reader] = nodes;
    await writer!.contentRouting.put(
      new TextEncoder().encode(key),
      await signRecord(botKey, key, { job_id: jobId, task }),
    );
    const value = await reader!.contentRouting.get(new TextEncoder().encode(key), {
      signal: AbortSignal.timeout(10_000),
    });
    const record = await openRecord(key, value);
    expect(record.signer).toBe(peerIdFromPrivateKey(botKey).toString());
    expect(record.payload).toEqual({ job_id: jobId, task });
  });

  it("never hands out a forged record stored under a dellm key", async () => {
    const key = recordKey("task", jobId, 2);
    // Well formed and really signed, but by mallory in the bot's name: only the signature check catches it.
    const mallory = await generateKeyPair("Ed25519");
    const envelope = JSON.parse(
      new TextDecoder().decode(await signRecord(mallory, key, { job_id: jobId, task: { ...task, id: 2 } })),
    );
    envelope.signer = peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString();
    const forged = new TextEncoder().encode(JSON.stringify(envelope));
    const [, writer, reader] = nodes;
    await writer!.contentRouting.put(new TextEncoder().encode(key), forged).catch(() => {});
    await expect(
      reader!.contentRouting.get(new TextEncoder().encode(key), { signal: AbortSignal.timeout(5_000) }),
    ).rejects.toThrow();
  });

  it("fails fast and clearly on a bad or unreachable bootstrap address", async () => {
    await expect(createSwarmNode({ bootstrap: ["not-an-address"] })).rejects.toThrow(/is not a multiaddr/);
    await expect(createSwarmNode({ bootstrap: ["/ip4/127.0.0.1/tcp/1"] })).rejects.toThrow(/no \/p2p\/<peer id> part/);
    const ghost = peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString();
    const started = Date.now();
    await expect(createSwarmNode({ bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${ghost}`] })).rejects.toThrow(
      /cannot reach bootstrap peer/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
