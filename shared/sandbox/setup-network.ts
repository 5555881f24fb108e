// The network a repository's setup gets when it asks (`setup_network: true`) and the machine's
// operator lends it: our own Docker bridge, fenced by iptables so that it reaches the internet (to
// download packages) but neither this machine (its docker0 address, the bridge's gateway, any
// service bound to a host address) nor link-local (cloud metadata, 169.254.169.254), private,
// shared, loopback or multicast ranges, nor another container (no inter-container traffic):
//   INPUT        -i <bridge> -j DROP              nothing addressed to the host itself
//   DOCKER-USER  -i <bridge> -d <range> -j DROP   nothing forwarded to those ranges (after DNAT)
// Names resolve through public resolvers (SETUP_DNS), since the host's own are often private.
// Where the fence cannot be put up (not root, no iptables, a daemon on another machine or without
// its iptables rules), no network is lent: the setup fails with the reason and the offline way.
import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { promisify } from "node:util";
import Docker from "dockerode";
import { z } from "zod";
import { SetupFailedError } from "./setup-image.js";

const exec = promisify(execFile);

export const SETUP_NETWORK_NAME = "dellm-setup";
/** The bridge interface's name on the host (what the iptables rules match; at most 15 characters). */
export const SETUP_BRIDGE = "dellm-setup0";
export const SETUP_NETWORK_LABEL = "dellm.setup-network";
/** Resolvers the setup container asks (through Docker's embedded DNS, from its own namespace). */
export const SETUP_DNS = ["1.1.1.1", "8.8.8.8"] as const;
/** Destinations a setup's traffic never reaches (IANA special-purpose IPv4 ranges). */
export const BLOCKED_RANGES = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/4",
  "240.0.0.0/4",
] as const;

const OFFLINE_WAY =
  "install from files in the repository instead (pip install --no-index --find-links wheels -r requirements.txt) and set setup_network: false";

const OptionsSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/),
  bridge: z.string().regex(/^[a-zA-Z0-9_-]{1,15}$/, { error: "a bridge name has at most 15 letters, digits, - or _" }),
  iptables: z.string().min(1),
});

export interface SetupNetworkOptions {
  docker?: Docker;
  /** Docker network name (default dellm-setup); tests use their own. */
  name?: string;
  /** Host bridge interface (default dellm-setup0). */
  bridge?: string;
  /** The iptables command (default iptables, the one Docker uses). */
  iptables?: string;
}

/** The fenced setup network, created and fenced on demand. */
export class SetupNetwork {
  readonly name: string;
  readonly bridge: string;
  private readonly docker: Docker;
  private readonly iptables: string;

  constructor(options: SetupNetworkOptions = {}) {
    const checked = OptionsSchema.parse({
      name: options.name ?? SETUP_NETWORK_NAME,
      bridge: options.bridge ?? SETUP_BRIDGE,
      iptables: options.iptables ?? "iptables",
    });
    this.docker = options.docker ?? new Docker();
    this.name = checked.name;
    this.bridge = checked.bridge;
    this.iptables = checked.iptables;
  }

  /** The iptables rules, as [chain, ...match] (inserted at the top of each chain). */
  rules(): string[][] {
    return [
      ["INPUT", "-i", this.bridge, "-j", "DROP"],
      ...BLOCKED_RANGES.map((range) => ["DOCKER-USER", "-i", this.bridge, "-d", range, "-j", "DROP"]),
    ];
  }

  /** The network's name once it exists with every rule in place; SetupFailedError (fail closed) otherwise. */
  async ensure(): Promise<string> {
    await this.ensureNetwork();
    // The rules name the bridge: it must be an interface of this machine, not of a remote daemon's.
    try {
      await access(`/sys/class/net/${this.bridge}`);
    } catch {
      return this.refuse(
        `the setup network's bridge ${this.bridge} is not an interface of this machine (a Docker daemon elsewhere, rootless or in a VM), so it cannot be fenced`,
      );
    }
    for (const [chain, ...rule] of this.rules()) {
      if (await this.iptablesOk(["-C", chain!, ...rule])) continue;
      try {
        await exec(this.iptables, ["-w", "-I", chain!, "1", ...rule]);
      } catch (error) {
        return this.refuse(
          `the firewall rule "${chain} ${rule.join(" ")}" cannot be installed (${firstLine(error)}); the bot or worker needs root and iptables, with Docker managing its iptables rules (the DOCKER-USER chain)`,
        );
      }
    }
    return this.name;
  }

  /** Whether every rule is in place now. */
  async fenced(): Promise<boolean> {
    for (const [chain, ...rule] of this.rules()) if (!(await this.iptablesOk(["-C", chain!, ...rule]))) return false;
    return true;
  }

  /** Removes the rules and the network (tests; an operator undoing it). */
  async remove(): Promise<void> {
    for (const [chain, ...rule] of this.rules())
      for (let i = 0; i < 5 && (await this.iptablesOk(["-C", chain!, ...rule])); i++)
        await exec(this.iptables, ["-w", "-D", chain!, ...rule]).catch(() => {});
    await this.docker
      .getNetwork(this.name)
      .remove()
      .catch(() => {});
  }

  private async ensureNetwork(): Promise<void> {
    const options = await this.bridgeOf();
    if (options === undefined) {
      try {
        await this.docker.createNetwork({
          Name: this.name,
          Driver: "bridge",
          CheckDuplicate: true,
          EnableIPv6: false,
          Labels: { [SETUP_NETWORK_LABEL]: "1" },
          Options: {
            "com.docker.network.bridge.name": this.bridge,
            // No traffic between two setups on the bridge.
            "com.docker.network.bridge.enable_icc": "false",
          },
        });
      } catch (error) {
        // Another build created it at the same moment: fine when it is the same bridge.
        if ((await this.bridgeOf()) === undefined)
          this.refuse(`the setup network cannot be created (${firstLine(error)})`);
      }
    }
    const bridge = await this.bridgeOf();
    if (bridge !== this.bridge)
      this.refuse(
        `the Docker network ${this.name} exists with bridge ${bridge ?? "(unnamed)"}, not ${this.bridge}; remove it (docker network rm ${this.name}) so it is made again`,
      );
  }

  /** The existing network's bridge name, "" for a network without one, undefined when there is no such network. */
  private async bridgeOf(): Promise<string | undefined> {
    try {
      const info = (await this.docker.getNetwork(this.name).inspect()) as { Options?: Record<string, string> };
      return info.Options?.["com.docker.network.bridge.name"] ?? "";
    } catch {
      return undefined;
    }
  }

  private async iptablesOk(args: string[]): Promise<boolean> {
    try {
      await exec(this.iptables, ["-w", ...args]);
      return true;
    } catch {
      return false;
    }
  }

  private refuse(reason: string): never {
    throw new SetupFailedError(`no network for setup on this machine: ${reason}; ${OFFLINE_WAY}`, null, "");
  }
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(error)).trim().split("\n")[0]!.slice(0, 300);
}
