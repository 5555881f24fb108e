import { describe, expect, it } from "vitest";
import { joinAddress } from "./join-address.js";

const PEER = "12D3KooWExamplePeer";

describe("joinAddress", () => {
  it("skips loopback and Docker's bridge for the machine's LAN or public address", () => {
    const addresses = [
      `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`,
      `/ip4/172.17.0.1/tcp/4001/p2p/${PEER}`,
      `/ip4/192.168.1.20/tcp/4001/p2p/${PEER}`,
    ];
    expect(joinAddress(addresses, PEER)).toEqual({
      address: `/ip4/192.168.1.20/tcp/4001/p2p/${PEER}`,
      reachableFromOtherMachines: true,
    });
    expect(joinAddress([...addresses, `/ip4/203.0.113.7/tcp/4001/p2p/${PEER}`], PEER).address).toBe(
      `/ip4/203.0.113.7/tcp/4001/p2p/${PEER}`,
    );
  });

  it("falls back to loopback and says so when the node listens on loopback only", () => {
    expect(joinAddress([`/ip6/::1/tcp/5/p2p/${PEER}`, `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`], PEER)).toEqual({
      address: `/ip6/::1/tcp/5/p2p/${PEER}`,
      reachableFromOtherMachines: false,
    });
  });

  it("uses --announce, with the peer id added, over every listen address", () => {
    expect(joinAddress([`/ip4/10.0.0.5/tcp/4001/p2p/${PEER}`], PEER, "/dns4/bot.example.org/tcp/4001").address).toBe(
      `/dns4/bot.example.org/tcp/4001/p2p/${PEER}`,
    );
    expect(() => joinAddress([], PEER, "bot.example.org:4001")).toThrow(/--announce .* e\.g\. \/ip4\//);
  });
});
