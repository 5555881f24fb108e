// A delaying TCP relay, run inside a lab router's namespace (this kernel has no netem): the router's
// iptables REDIRECTs a NATed worker's connections to a public service here, and every chunk waits
// `delay` ms in each direction before it is passed on, so a round trip through it costs 2 × delay.
// Order is kept (every chunk waits the same time). Node builtins only, so it starts with plain
// `node` (type stripping) in a fraction of tsx's start-up time.
// argv: <listen address> <delay ms> <relay port>=<target host>:<target port> ...
import { createServer, connect, type Socket } from "node:net";

const [listenAddress, delayText, ...routes] = process.argv.slice(2);
const delayMs = Number(delayText);
if (!listenAddress || !Number.isFinite(delayMs) || routes.length === 0) {
  console.error("usage: delay-relay <listen address> <delay ms> <relay port>=<host>:<port> ...");
  process.exit(2);
}

/** Pass `from`'s bytes to `to` after the delay; an end or error travels the same way. */
function delayed(from: Socket, to: Socket): void {
  from.on("data", (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on("end", () => setTimeout(() => to.end(), delayMs));
  from.on("error", () => setTimeout(() => to.destroy(), delayMs));
  from.on("close", () => setTimeout(() => to.destroy(), delayMs + 1));
}

let listening = 0;
for (const route of routes) {
  const match = /^(\d+)=([^:]+):(\d+)$/.exec(route);
  if (!match) {
    console.error(`bad route ${route}; expected <relay port>=<host>:<port>`);
    process.exit(2);
  }
  const [, relayPort, host, port] = match;
  const server = createServer((inbound) => {
    const outbound = connect(Number(port), host);
    // No Nagle on either side: the delay must be the only one added (Nagle plus delayed ACKs would
    // hold small frames back another 40 ms or so).
    inbound.setNoDelay(true);
    outbound.setNoDelay(true);
    delayed(inbound, outbound);
    delayed(outbound, inbound);
  });
  server.listen(Number(relayPort), listenAddress, () => {
    if (++listening === routes.length) console.log("relay ready");
  });
}
