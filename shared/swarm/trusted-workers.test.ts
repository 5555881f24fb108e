// DELLM_TRUSTED_WORKERS as the bot reads it: peer ids split on commas and spaces, each checked.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { describe, expect, it } from "vitest";
import { readEnv } from "../config.js";

const peerId = async () => peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString();

describe("DELLM_TRUSTED_WORKERS", () => {
  it("lists the peer ids given with commas or spaces, once each; unset trusts nobody", async () => {
    const [a, b] = [await peerId(), await peerId()];
    expect(readEnv({ DELLM_TRUSTED_WORKERS: ` ${a},${b}\n${a} ` }).DELLM_TRUSTED_WORKERS).toEqual([a, b]);
    expect(readEnv({}).DELLM_TRUSTED_WORKERS).toEqual([]);
  });

  it("refuses a value that is not a peer id, naming it and where the right one is printed", async () => {
    expect(() => readEnv({ DELLM_TRUSTED_WORKERS: `${"12D3KooWnotapeer"}` })).toThrow(
      /DELLM_TRUSTED_WORKERS: "12D3KooWnotapeer" is not a libp2p peer id; copy the id a trusted worker prints/,
    );
  });
});
