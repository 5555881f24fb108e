// A node's persistent libp2p identity: an Ed25519 key kept in a file (mode 0600), so the bot's
// peer id — which workers pin as their coordinator — survives restarts.
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { chmod, readFile, stat } from "node:fs/promises";
import { writeFileAtomic } from "../atomic-file.js";

export async function loadOrCreateIdentity(path: string): Promise<{ privateKey: PrivateKey; created: boolean }> {
  let bytes: Buffer | undefined;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw new Error(`cannot read the identity key ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (bytes) {
    let privateKey: PrivateKey;
    try {
      privateKey = privateKeyFromProtobuf(bytes);
    } catch {
      throw new Error(
        `${path} is not a libp2p private key; move it away to create a new identity (the peer id will change)`,
      );
    }
    if (privateKey.type !== "Ed25519")
      throw new Error(`${path} holds a ${privateKey.type} key; dellm nodes use Ed25519 (move it away to create one)`);
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600); // a key others can read is tightened, not trusted as is
    return { privateKey, created: false };
  }
  const privateKey = await generateKeyPair("Ed25519");
  // Durable (fsynced with its folder): a key lost in a crash would change the peer id workers pin.
  await writeFileAtomic(path, privateKeyToProtobuf(privateKey));
  return { privateKey, created: true };
}
