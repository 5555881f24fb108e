// DELLM_TRUSTED_WORKERS: the libp2p peer ids of the workers the bot operator trusts with private
// repositories' code. Only the bot's environment sets it; a repository's dellm.yml cannot widen it.
import { peerIdFromString } from "@libp2p/peer-id";
import { z } from "zod";

const isPeerId = (id: string) => {
  try {
    peerIdFromString(id);
    return true;
  } catch {
    return false;
  }
};

/** Peer ids separated by commas or spaces; each must parse as a libp2p peer id. */
export const TrustedWorkersSchema = z
  .string()
  .default("")
  .transform((text) => [...new Set(text.split(/[\s,]+/).filter(Boolean))])
  .superRefine((ids, context) => {
    for (const id of ids.filter((i) => !isPeerId(i)))
      context.addIssue({
        code: "custom",
        message: `DELLM_TRUSTED_WORKERS: ${JSON.stringify(id)} is not a libp2p peer id; copy the id a trusted worker prints after "[worker] joined the swarm as" (comma or space separated)`,
      });
  });
