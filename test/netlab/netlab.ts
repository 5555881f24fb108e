// A network lab on one machine (issue 25): a bridged "internet" segment in the benchmarking range
// 198.18.0.0/16, public hosts on it (the bot, a bootstrap node, dialable volunteers), and NATed
// volunteers, each in its own namespace behind its own router namespace (iptables MASQUERADE, no
// route in). Nothing in the lab has a route to the machine's real interfaces. Latency: this kernel
// has no netem, so each router REDIRECTs its worker's connections to the delayed services through a
// relay (delay-relay.ts) that holds every chunk rttMs/2 each way. A cut link is iptables DROP on the
// router. Needs root, iproute2 and iptables; everything is removed by destroy() (and at exit).
import { execFile, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { watchProcess, type RunningProcess } from "../processes.js";

const run = promisify(execFile);

export interface LabHost {
  name: string;
  /** Its network namespace. */
  ns: string;
  /** The address it has (public hosts: on the internet segment; NATed ones: inside their LAN). */
  address: string;
}

export interface NattedHost extends LabHost {
  /** The router namespace in front of it. */
  router: string;
  /** The router's address on the internet segment: what public hosts see the worker as. */
  publicAddress: string;
}

export interface NetLabOptions {
  /** Hosts on the internet segment, by name (e.g. "bot", "bootstrap"). */
  publicHosts: string[];
  /** Volunteers behind NAT routers. */
  natted: number;
  /** Round trip added between a NATed host and each delayed service, in ms (default 0: none). */
  rttMs?: number;
  /** Public services whose traffic from NATed hosts goes through the delay: host name and TCP port. */
  delayed?: { host: string; port: number }[];
}

/** Why the lab cannot be built here, or undefined when it can (tests skip with this message). */
export async function netLabUnavailable(): Promise<string | undefined> {
  if (process.platform !== "linux") return "network namespaces need Linux";
  if (process.getuid?.() !== 0) return "the network lab needs root (ip netns, iptables)";
  for (const [tool, args] of [
    ["ip", ["-V"]],
    ["iptables", ["-V"]],
  ] as const) {
    try {
      await run(tool, [...args]);
    } catch {
      return `the network lab needs ${tool} (apt-get install iproute2 iptables)`;
    }
  }
  const probe = `dlprobe${process.pid}`;
  try {
    await run("ip", ["netns", "add", probe]);
    await run("ip", ["netns", "exec", probe, "iptables", "-t", "nat", "-L", "-n"]);
  } catch (error) {
    return `network namespaces are not allowed here (${(error as Error).message.split("\n")[0]})`;
  } finally {
    await run("ip", ["netns", "del", probe]).catch(() => {});
  }
  return undefined;
}

let labs = 0;
const RELAY_SCRIPT = fileURLToPath(new URL("./delay-relay.ts", import.meta.url));

export class NetLab {
  readonly hosts = new Map<string, LabHost>();
  readonly natted: NattedHost[] = [];
  private readonly namespaces: string[] = [];
  private readonly processes = new Set<RunningProcess>();
  private readonly cleanupAtExit = () => this.destroySync();

  private constructor(private readonly prefix: string) {}

  static async create(options: NetLabOptions): Promise<NetLab> {
    if (options.publicHosts.length > 250 || options.natted > 250) throw new Error("a lab holds at most 250 of each");
    const lab = new NetLab(`dl${process.pid.toString(36)}${(labs++).toString(36)}`);
    process.once("exit", lab.cleanupAtExit);
    try {
      await lab.build(options);
    } catch (error) {
      await lab.destroy();
      throw error;
    }
    return lab;
  }

  host(name: string): LabHost {
    const host = this.hosts.get(name);
    if (!host) throw new Error(`no lab host ${name}`);
    return host;
  }

  /**
   * A host in the machine's own namespace at a loopback address (127.0.0.0/8): the same processes
   * without the lab's network, for figures side by side with it.
   */
  static loopbackHost(name: string, address: string): LabHost {
    return { name, ns: "", address };
  }

  /** Run `node <args>` inside `host`'s namespace (killed by destroy()). */
  node(host: LabHost, args: string[], env: NodeJS.ProcessEnv = process.env): RunningProcess {
    const [command, ...rest] = host.ns
      ? ["ip", "netns", "exec", host.ns, process.execPath, ...args]
      : [process.execPath, ...args];
    const child = spawn(command!, rest, { env, stdio: ["pipe", "pipe", "pipe"] });
    const watched = watchProcess(child);
    this.processes.add(watched);
    void watched.exited.then(() => this.processes.delete(watched));
    return watched;
  }

  /** Drop everything between a NATed host and the internet (its router drops both ways). */
  async cut(host: NattedHost): Promise<void> {
    for (const rule of cutRules()) await this.ns(host.router, "iptables", ["-I", ...rule]);
  }

  async restore(host: NattedHost): Promise<void> {
    for (const rule of cutRules()) await this.ns(host.router, "iptables", ["-D", ...rule]);
  }

  /** Whether `from` can open a TCP connection to address:port within a second. */
  async canConnect(from: LabHost, address: string, port: number): Promise<boolean> {
    const script = `require("net").connect(${port}, ${JSON.stringify(address)}).on("connect", () => process.exit(0)).on("error", () => process.exit(1)); setTimeout(() => process.exit(1), 1000);`;
    try {
      await this.ns(from.ns, process.execPath, ["-e", script]);
      return true;
    } catch {
      return false;
    }
  }

  async destroy(): Promise<void> {
    process.removeListener("exit", this.cleanupAtExit);
    for (const running of this.processes) running.child.kill("SIGKILL");
    await Promise.all([...this.processes].map((running) => running.exited));
    for (const ns of this.namespaces.splice(0).reverse()) await run("ip", ["netns", "del", ns]).catch(() => {});
  }

  private destroySync(): void {
    for (const running of this.processes) running.child.kill("SIGKILL");
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        execFileSync("ip", ["netns", "del", ns]);
      } catch {
        // already gone
      }
    }
  }

  private async build(options: NetLabOptions): Promise<void> {
    const internet = await this.namespace("inet");
    await this.ns(internet, "ip", ["link", "add", "br0", "type", "bridge"]);
    await this.ns(internet, "ip", ["link", "set", "br0", "up"]);
    let port = 0;
    const attach = async (ns: string, address: string) => {
      const bridgePort = `p${port++}`;
      await run("ip", [
        "link",
        "add",
        bridgePort,
        "netns",
        internet,
        "type",
        "veth",
        "peer",
        "name",
        "eth0",
        "netns",
        ns,
      ]);
      await this.ns(internet, "ip", ["link", "set", bridgePort, "master", "br0", "up"]);
      await this.ns(ns, "ip", ["addr", "add", `${address}/16`, "dev", "eth0"]);
      await this.ns(ns, "ip", ["link", "set", "eth0", "up"]);
    };
    for (const [index, name] of options.publicHosts.entries()) {
      const ns = await this.namespace(name);
      const address = `198.18.0.${index + 2}`;
      await attach(ns, address);
      await this.blackholePrivateAddresses(ns);
      this.hosts.set(name, { name, ns, address });
    }
    const half = Math.round((options.rttMs ?? 0) / 2);
    const delayed = (options.rttMs ?? 0) > 0 ? (options.delayed ?? []) : [];
    for (let i = 1; i <= options.natted; i++) {
      const name = `w${i}`;
      const router = await this.namespace(`r${i}`);
      const ns = await this.namespace(name);
      const publicAddress = `198.18.1.${i}`;
      await attach(router, publicAddress);
      const lan = `10.${i}.0`;
      await run("ip", ["link", "add", "lan", "netns", router, "type", "veth", "peer", "name", "eth0", "netns", ns]);
      await this.ns(router, "ip", ["addr", "add", `${lan}.1/24`, "dev", "lan"]);
      await this.ns(router, "ip", ["link", "set", "lan", "up"]);
      await this.ns(ns, "ip", ["addr", "add", `${lan}.2/24`, "dev", "eth0"]);
      await this.ns(ns, "ip", ["link", "set", "eth0", "up"]);
      await this.ns(ns, "ip", ["route", "add", "default", "via", `${lan}.1`]);
      await this.ns(router, "sysctl", ["-qw", "net.ipv4.ip_forward=1"]);
      await this.blackholePrivateAddresses(router);
      await this.ns(router, "iptables", [
        "-t",
        "nat",
        "-A",
        "POSTROUTING",
        "-s",
        `${lan}.0/24`,
        "-o",
        "eth0",
        "-j",
        "MASQUERADE",
      ]);
      const routes = delayed.map(({ host, port: servicePort }, k) => {
        const relayPort = 17_000 + k;
        return { relayPort, target: this.host(host).address, servicePort };
      });
      for (const { relayPort, target, servicePort } of routes)
        await this.ns(router, "iptables", [
          "-t", "nat", "-A", "PREROUTING", "-i", "lan", "-p", "tcp", "-d", target, "--dport", String(servicePort),
          "-j", "REDIRECT", "--to-ports", String(relayPort),
        ]); // prettier-ignore
      const natted: NattedHost = { name, ns, address: `${lan}.2`, router, publicAddress };
      this.natted.push(natted);
      this.hosts.set(name, natted);
      if (routes.length > 0) {
        const relay = this.node({ name: `r${i}`, ns: router, address: publicAddress }, [
          RELAY_SCRIPT,
          `${lan}.1`,
          String(half),
          ...routes.map((r) => `${r.relayPort}=${r.target}:${r.servicePort}`),
        ]);
        await relay.waitFor(/relay ready/, 20_000);
      }
    }
  }

  /**
   * Another NAT's LAN address is silently dropped, as on the internet (no quick "unreachable"), so
   * a dial to an undialable volunteer costs what it costs there: a timeout.
   */
  private async blackholePrivateAddresses(ns: string): Promise<void> {
    await this.ns(ns, "ip", ["route", "add", "blackhole", "10.0.0.0/8"]);
  }

  private async namespace(name: string): Promise<string> {
    const ns = `${this.prefix}${name}`;
    await run("ip", ["netns", "add", ns]);
    this.namespaces.push(ns);
    await this.ns(ns, "ip", ["link", "set", "lo", "up"]);
    return ns;
  }

  private async ns(ns: string, command: string, args: string[]): Promise<void> {
    await run("ip", ["netns", "exec", ns, command, ...args]);
  }
}

/** The router rules that cut its LAN off (inserted to cut, deleted to restore). */
function cutRules(): string[][] {
  return [
    ["FORWARD", "-i", "lan", "-j", "DROP"],
    ["FORWARD", "-o", "lan", "-j", "DROP"],
    ["INPUT", "-i", "lan", "-j", "DROP"],
    ["OUTPUT", "-o", "lan", "-j", "DROP"],
  ];
}
