// Starting a swarm node the way every dellm command does: identity from a key file (or a fresh
// one), listen addresses, bootstrap peers; and the full addresses others should dial.
import type { PrivateKey } from "@libp2p/interface";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { loadOrCreateIdentity } from "./identity.js";
import { createSwarmNode, type SwarmNode, type SwarmNodeOptions } from "./swarm-node.js";

export interface StartNodeOptions {
  /** Key file for a persistent peer id; omitted = a new identity for this run. */
  keyFile?: string;
  listen?: string[];
  bootstrap?: string[];
  /** The address others dial when it is not a listen address (--announce; see SwarmNodeOptions). */
  announce?: string;
  /** Whether this node serves the DHT from the start (default "server"; volunteers start "client"). */
  dhtMode?: SwarmNodeOptions["dhtMode"];
}

export interface StartedNode {
  node: SwarmNode;
  privateKey: PrivateKey;
  /** How the identity came about, for the start-up line. */
  identity: "loaded" | "created" | "ephemeral";
}

export async function startNode(options: StartNodeOptions): Promise<StartedNode> {
  let privateKey: PrivateKey;
  let identity: StartedNode["identity"];
  if (options.keyFile) {
    const loaded = await loadOrCreateIdentity(options.keyFile);
    privateKey = loaded.privateKey;
    identity = loaded.created ? "created" : "loaded";
  } else {
    privateKey = await generateKeyPair("Ed25519");
    identity = "ephemeral";
  }
  const node = await createSwarmNode({
    privateKey,
    listen: options.listen,
    bootstrap: options.bootstrap,
    dhtMode: options.dhtMode,
    announce: options.announce,
  });
  return { node, privateKey, identity };
}

/** The addresses to hand to workers, each ending in /p2p/<peer id>. */
export function dialableAddresses(node: SwarmNode): string[] {
  return node.getMultiaddrs().map((address) => address.toString());
}
