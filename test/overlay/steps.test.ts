// The overlay's pure parts: what a node's overlay should be, and the commands from what `ip -j` printed
// to that (nothing when they agree; stale entries and routes removed; a device with other parameters
// made again with everything on it).
import { describe, expect, it } from "vitest";
import { desiredOverlay, overlaySteps, vtepGateway6, vtepMac, type OverlayReadBack } from "../../src/overlay/index.js";
import { spreadExample } from "./spread.js";

const model = spreadExample("cloudfoundry-c2c.yaml", "address");
const underlays = new Map([["node-1", "10.99.0.1"], ["node-2", "10.99.0.2"], ["node-3", "10.99.0.3"]]);

/** What the kernel prints once the desired state is in place. */
function printed(mtu = 1450): OverlayReadBack {
  const d = desiredOverlay(model, "node-1", underlays);
  return {
    link: JSON.stringify([{ ifname: "moat.vx", flags: ["BROADCAST", "UP"], mtu, address: d.device.mac, linkinfo: { info_kind: "vxlan", info_data: { id: 4242, local: "10.99.0.1", port: 4789, learning: false, gbp: true } } }]),
    neigh: JSON.stringify([...d.neighbors.map((n) => ({ dst: n.ip, lladdr: n.mac, state: ["PERMANENT"] })), { dst: "fe80::1", lladdr: "aa:bb:cc:dd:ee:ff", state: ["STALE"] }]),
    fdb: JSON.stringify(d.fdb.map((f) => ({ mac: f.mac, dst: f.dst, flags: ["self"], state: "permanent" }))),
    routes4: JSON.stringify(d.routes.filter((r) => r.family === 4).map((r) => ({ dst: r.dst.replace(/\/32$/, ""), gateway: r.via, flags: ["onlink"] }))),
    routes6: JSON.stringify([{ dst: "fe80::/64", protocol: "kernel", metric: 256 }]),
  };
}

describe("desiredOverlay", () => {
  it("routes every address of the other nodes' workloads via their underlay, one FDB and neighbour pair per peer", () => {
    const d = desiredOverlay(model, "node-1", underlays);
    expect(d.device).toEqual({ name: "moat.vx", vni: 4242, port: 4789, local: "10.99.0.1", mac: "0e:6d:0a:63:00:01", gbp: true });
    const remote = model.workloads.filter((w) => w.node !== "node-1");
    expect(d.routes.map((r) => r.dst).sort()).toEqual(remote.flatMap((w) => w.ips.map((ip) => `${ip.text}/32`)).sort());
    expect(d.fdb).toEqual([{ mac: vtepMac("10.99.0.2"), dst: "10.99.0.2" }, { mac: vtepMac("10.99.0.3"), dst: "10.99.0.3" }]);
    expect(d.neighbors).toContainEqual({ ip: vtepGateway6("10.99.0.3"), mac: vtepMac("10.99.0.3") });
  });

  it("names a peer whose underlay is not known and gives its workloads no route", () => {
    const d = desiredOverlay(model, "node-1", new Map([["node-1", "10.99.0.1"], ["node-2", "10.99.0.2"]]));
    expect(d.unknownPeers).toEqual(["node-3"]);
    expect(d.routes.every((r) => r.via === "10.99.0.2")).toBe(true);
  });

  it("refuses a node without an IPv4 underlay", () => {
    expect(() => desiredOverlay(model, "node-1", new Map([["node-1", "fd00::1"]]))).toThrow(/not an IPv4 address/);
    expect(() => desiredOverlay(model, "node-1", new Map())).toThrow(/node-1/);
  });
});

describe("overlaySteps", () => {
  const desired = desiredOverlay(model, "node-1", underlays);

  it("creates everything on a node without moat.vx", () => {
    const s = overlaySteps(desired, 1450, { link: "", neigh: "", fdb: "", routes4: "", routes6: "" });
    expect(s.ip[0]).toBe("link add moat.vx address 0e:6d:0a:63:00:01 mtu 1450 type vxlan id 4242 dstport 4789 local 10.99.0.1 nolearning gbp");
    expect(s.ip).toContain("link set moat.vx up");
    expect(s.ip.filter((l) => l.startsWith("route add"))).toHaveLength(desired.routes.length);
    expect(s.bridge).toEqual(desired.fdb.map((f) => `fdb append ${f.mac} dev moat.vx dst ${f.dst}`));
  });

  it("does nothing when the kernel holds the desired state (and leaves learned neighbours and kernel routes alone)", () => {
    expect(overlaySteps(desired, 1450, printed())).toEqual({ ip: [], bridge: [], summary: [] });
  });

  it("removes what the model no longer has and adds what it gained", () => {
    const fewer = desiredOverlay({ ...model, workloads: model.workloads.filter((w) => w.node !== "node-3") }, "node-1", underlays);
    const s = overlaySteps(fewer, 1450, printed());
    const gone = model.workloads.find((w) => w.node === "node-3")!.ips[0]!.text;
    expect(s.ip).toContain(`route del ${gone} dev moat.vx`);
    expect(s.ip).toContain("neigh del 10.99.0.3 dev moat.vx");
    expect(s.bridge).toEqual([`fdb del ${vtepMac("10.99.0.3")} dev moat.vx dst 10.99.0.3`]);
    expect(s.ip.some((l) => l.startsWith("route add") || l.startsWith("link"))).toBe(false);
  });

  it("makes the device again when its parameters differ (another MTU here)", () => {
    const s = overlaySteps(desired, 1400, printed(1450));
    expect(s.ip.slice(0, 2)).toEqual(["link del moat.vx", expect.stringMatching(/^link add moat.vx .* mtu 1400 /)]);
    expect(s.ip.filter((l) => l.startsWith("route add"))).toHaveLength(desired.routes.length);
  });
});
