// CNI network configurations to moat Networks with isolation: network: seed 002's rkt networks with
// their workloads (members of a network reach each other, nothing else reaches them), the IPAM types
// that name subnets, libcni's reading of a directory, and bad configurations.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cniConfigFiles, importCni, type CniFile } from "../../../src/importers/cni/index.js";
import { printManifests } from "../../../src/importers/emit.js";
import { buildModel, formatIssue, parseDocuments } from "../../../src/model/index.js";
import { grid, modelOf } from "../rancher/helpers.js";

const root = fileURLToPath(new URL("../../../examples/imports/cni", import.meta.url));
const dir = (name: string): CniFile[] => cniConfigFiles(readdirSync(`${root}/${name}`)).map((f) => ({ file: `${name}/${f}`, text: readFileSync(`${root}/${name}/${f}`, "utf8") }));
const conf = (file: string, value: unknown): CniFile => ({ file, text: typeof value === "string" ? value : JSON.stringify(value) });
const messages = (files: CniFile[], subnets: { network: string; cidr: string }[] = []) => {
  const r = importCni(files, { subnets });
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues.map(formatIssue);
};

describe("moat import cni", () => {
  it("seed 002: two calico-ipam networks, given their subnets; members reach each other across hosts, network2 is denied", () => {
    const r = importCni(dir("rkt"), { subnets: [{ network: "network1", cidr: "192.168.0.0/24" }, { network: "network2", cidr: "192.168.1.0/24" }] });
    expect(r.ok && r.docs).toEqual([
      { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "network1" }, spec: { subnets: ["192.168.0.0/24"], isolation: "network" } },
      { apiVersion: "moat.dev/v1", kind: "Network", metadata: { name: "network2" }, spec: { subnets: ["192.168.1.0/24"], isolation: "network" } },
    ]);
    if (!r.ok) return;
    const workloads = readFileSync(`${root}/rkt-workloads.yaml`, "utf8");
    const built = buildModel([...parseDocuments(printManifests(r.docs, "yaml"), "nets.yaml").docs, ...parseDocuments(workloads, "rkt-workloads.yaml").docs]);
    expect(built.ok).toBe(true);
    // rows and columns: busybox-httpd (network1, calico-01), busybox-wget-1 (network1, calico-02), busybox-wget-2 (network2)
    if (built.ok) expect(grid(built.value, 80)).toEqual(["✓✓✗", "✓✓✗", "✗✗✓"]);
  });

  it("seed 002 as written: calico-ipam without pools names no subnet, so each network asks for --subnet", () => {
    expect(messages(dir("rkt"))).toEqual([
      'rkt/10-calico-network1.conf: ipam: network "network1" has no subnet moat can use: its calico-ipam section names no ipv4_pools, so Calico picks from its own IP pools; give it with --subnet network1=CIDR',
      'rkt/10-calico-network2.conf: ipam: network "network2" has no subnet moat can use: its calico-ipam section names no ipv4_pools, so Calico picks from its own IP pools; give it with --subnet network2=CIDR',
    ]);
  });

  it("reads host-local subnet and ranges (IPv4 and IPv6), calico ipv4_pools and static addresses; the first of two files with one name wins", () => {
    const r = importCni(dir("net.d"));
    expect(r.ok && r.docs.map((d) => [(d.metadata as { name: string }).name, (d.spec as { subnets: string[] }).subnets])).toEqual([
      ["mynet", ["10.22.0.0/16"]],
      ["dualstack", ["10.10.0.0/24", "172.16.5.0/24", "2001:db8:5::/64"]],
      ["k8s-pod-network", ["192.168.128.0/18"]],
      ["storage", ["10.77.3.0/24"]],
    ]);
    expect(r.ok && r.warnings).toEqual(['net.d/50-mynet-again.conf: network "mynet" is already defined by net.d/10-mynet.conf; this file is ignored, as libcni reads the first']);
    expect(modelOf(r).networks.every((n) => n.isolation === "network")).toBe(true);
  });

  it("reads a directory as libcni does: .conf, .conflist and .json files, sorted by name", () => {
    expect(cniConfigFiles(["99-last.conf", "README.md", "10-a.conflist", "05-b.json", "10-a.conf", "x.conf.bak", "00.yaml"])).toEqual([
      "05-b.json",
      "10-a.conf",
      "10-a.conflist",
      "99-last.conf",
    ]);
  });

  it("lets --subnet replace what IPAM says, and refuses --subnet for a network no file names", () => {
    const r = importCni(dir("net.d"), { subnets: [{ network: "mynet", cidr: "10.23.0.0/16" }] });
    expect(r.ok && r.docs[0]!.spec).toEqual({ subnets: ["10.23.0.0/16"], isolation: "network" });
    expect(messages(dir("net.d"), [{ network: "nosuch", cidr: "10.0.0.0/8" }, { network: "mynet", cidr: "10.0.0.1/8" }])).toEqual([
      '--subnet: mynet=10.0.0.1/8: "10.0.0.1/8" has host bits set; did you mean "10.0.0.0/8"?',
      '--subnet: network "nosuch" is not named by any configuration that was read',
    ]);
  });

  it("reports every malformed configuration with its file, path and value", () => {
    const files = [
      conf("a.conflist", { name: "a", plugins: [] }),
      conf("b.conflist", { name: "b", plugins: [{ type: "bridge" }, { capabilities: {} }] }),
      conf("c.conf", { name: "c", type: "bridge", ipam: { type: "host-local", subnet: "10.1.2.3/24" } }),
      conf("d.conf", { name: "d", type: "bridge", ipam: { type: "host-local", ranges: [[{ subnet: "10.5.0.0/16", rangeStart: "10.6.0.1", gateway: "nope" }], { subnet: "10.7.0.0/16" }] } }),
      conf("e.conf", { type: "bridge", ipam: { type: "host-local", subnet: "10.8.0.0/16" } }),
      conf("f.conf", '{\n  "name": "f",\n  "type": "bridge",\n}'),
      conf("g.json", { name: "g", type: "macvlan", ipam: { type: "static", addresses: [{ address: "10.9.0.1" }] } }),
      conf("h.conf", { name: "h", type: "bridge", ipam: { type: "dhcp" } }),
      conf("i.conf", { name: "i", type: "calico", ipam: { type: "calico-ipam", ipv4_pools: ["default-ipv4-ippool"] } }),
      conf("j.conf", { name: "j", type: "bridge", ipam: { type: "host-local", subnet: "10.10.0.0" } }),
    ];
    expect(messages(files)).toEqual([
      'a.conflist: plugins: a network configuration list needs "plugins", a non-empty list, not []',
      "b.conflist: plugins[1].type: every plugin needs a type (a string), but it is missing",
      'c.conf: ipam.subnet: "10.1.2.3/24" has host bits set; did you mean "10.1.2.0/24"?',
      'd.conf: ipam.ranges[0][0].rangeStart: rangeStart "10.6.0.1" is outside subnet "10.5.0.0/16"',
      'd.conf: ipam.ranges[0][0].gateway: gateway "nope" is not an IP address',
      'd.conf: ipam.ranges[1]: a range set must be a list of ranges ({subnet, rangeStart, rangeEnd, gateway}), not {"subnet":"10.7.0.0/16"}',
      "e.conf: name: a network configuration needs a name (a non-empty string), but it is missing",
      "f.conf: not valid JSON (line 4, column 1): Expected double-quoted property name",
      'g.json: ipam.addresses[0].address: address "10.9.0.1" is not an address with a prefix length, such as "10.10.0.1/24"',
      'h.conf: ipam: network "h" has no subnet moat can use: its ipam type "dhcp" does not name subnets; give it with --subnet h=CIDR',
      'i.conf: ipam: network "i" has no subnet moat can use: its calico-ipam pool "default-ipv4-ippool" is named, not given as a CIDR; give it with --subnet i=CIDR',
      'j.conf: ipam.subnet: "10.10.0.0" has no prefix length; write it as a CIDR such as "10.22.0.0/16"',
    ]);
  });

  it("names the second file when two networks overlap, as buildModel would refuse them", () => {
    const files = [conf("10-a.conf", { name: "a", type: "bridge", ipam: { type: "host-local", subnet: "10.1.0.0/16" } }), conf("20-b.conf", { name: "b", type: "bridge", ipam: { type: "host-local", subnet: "10.1.2.0/24" } })];
    expect(messages(files)).toEqual([
      '20-b.conf: ipam: would import an invalid manifest: Network/b: spec.subnets[0]: "10.1.2.0/24" overlaps network "a"\'s subnet "10.1.0.0/16"',
    ]);
  });

  it("renames names moat reserves or cannot hold, deterministically, and refuses two that would become one", () => {
    const ipam = (subnet: string) => ({ type: "host-local", subnet });
    const r = importCni([conf("a.conf", { name: "moatnet", type: "bridge", ipam: ipam("10.1.0.0/16") }), conf("b.conf", { name: "lab net.", type: "bridge", ipam: ipam("10.2.0.0/16") })]);
    expect(modelOf(r).networks.map((n) => n.name)).toEqual(["cni-moatnet", "lab-net"]);
    expect(r.ok && r.warnings).toEqual([
      'network "moatnet" is imported as "cni-moatnet" (moat names are [A-Za-z0-9-_.] and may not start with "moat")',
      'network "lab net." is imported as "lab-net" (moat names are [A-Za-z0-9-_.] and may not start with "moat")',
    ]);
    expect(messages([conf("a.conf", { name: "lab net", type: "bridge", ipam: ipam("10.1.0.0/16") }), conf("b.conf", { name: "lab-net", type: "bridge", ipam: ipam("10.2.0.0/16") })])).toEqual([
      'b.conf: name: network "lab-net" and "lab net" both become "lab-net"',
    ]);
    expect(messages([conf("a.conf", { name: "...", type: "bridge", ipam: ipam("10.1.0.0/16") })])).toEqual(['a.conf: name: name "..." has no letter or digit to make a moat name from']);
  });
});
