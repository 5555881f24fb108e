// The options of the commands that start a swarm node (dellm run --swarm, serve, bootstrap).
import { z } from "zod";
import { bootstrapPeersFrom, type DellmEnv } from "../../shared/config.js";
import { checkAnnounce } from "../../shared/swarm/join-address.js";
import { UsageError } from "../../shared/usage-error.js";

/** node:util parseArgs options shared by the commands that start a swarm node. */
export const swarmFlags = {
  listen: { type: "string", multiple: true },
  key: { type: "string" },
  bootstrap: { type: "string", multiple: true },
  lease: { type: "string" },
  announce: { type: "string" },
} as const;

export const DEFAULT_LISTEN = "/ip4/0.0.0.0/tcp/4001";

const SwarmOptionsSchema = z.object({
  listen: z.array(z.string().min(1)).min(1),
  keyFile: z.string().min(1),
  bootstrap: z.array(z.string().min(1)),
  leaseSeconds: z.coerce.number({ error: "--lease must be a number of seconds" }).positive("--lease must be above 0"),
  /** The address volunteers dial (behind NAT or a DNS name); default: the best one this node listens on. */
  announce: z.string().min(1).optional(),
});
export type SwarmOptions = z.infer<typeof SwarmOptionsSchema>;

export function swarmOptionsFrom(
  values: { listen?: string[]; key?: string; bootstrap?: string[]; lease?: string; announce?: string },
  env: DellmEnv,
  defaultKeyFile: string,
): SwarmOptions {
  const parsed = SwarmOptionsSchema.safeParse({
    listen: values.listen?.length ? values.listen : [env.DELLM_LISTEN ?? DEFAULT_LISTEN],
    keyFile: values.key ?? defaultKeyFile,
    bootstrap: values.bootstrap?.length ? values.bootstrap : bootstrapPeersFrom(env),
    leaseSeconds: values.lease ?? env.DELLM_LEASE_SECONDS,
    announce: values.announce,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("\n"));
  if (parsed.data.announce) checkAnnounce(parsed.data.announce);
  return parsed.data;
}
