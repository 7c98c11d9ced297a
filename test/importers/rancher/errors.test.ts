// Bad Rancher input: every problem is reported with its file, the path to the field and the value,
// all of them at once, and nothing is imported.
import { describe, expect, it } from "vitest";
import { importRancher } from "../../../src/importers/rancher/index.js";
import { formatIssue } from "../../../src/model/index.js";
import { collection, container, issuesOf, modelOf, network } from "./helpers.js";

const messages = (net: string, containers?: string) =>
  issuesOf(importRancher({ network: { file: "net.json", text: net }, ...(containers !== undefined ? { containers: { file: "c.json", text: containers } } : {}) })).map(formatIssue);

describe("Rancher input errors", () => {
  it("names the line of a JSON syntax error", () => {
    expect(messages('{\n  "name": "ipsec",\n  "policy": [,]\n}')).toEqual(["net.json: not valid JSON (line 3, column 14): Unexpected token ','"]);
  });

  it("reports every bad rule of the policy array, each with its path and value", () => {
    const policy = [
      { within: "stack", action: "permit" },
      { within: "linked", action: "allow" },
      { within: "stacks", action: "allow" },
      { between: {}, action: "deny" },
      { from: { selector: "a=b" }, action: "allow" },
      { within: "stack", between: { groupBy: "x" }, action: "allow" },
      { withn: "stack", action: "allow" },
      { from: { selector: "a=b" }, to: { selector: "c=d" }, ports: ["80/icmp", 0, "65536"], action: "allow" },
      { between: { groupBy: "bad key!" }, action: "allow" },
      { from: { selector: "a=b,,c" }, to: { selector: 'x="quoted"' }, action: "allow" },
    ];
    expect(messages(network(policy, "reject"))).toEqual([
      'net.json: defaultPolicyAction: action must be "allow" or "deny", not "reject"',
      'net.json: policy[0].action: action must be "allow" or "deny", not "permit"',
      'net.json: policy[1].within: within "linked" depends on service links, which the network resource does not carry; moat cannot import it',
      'net.json: policy[2].within: within must be "stack", "service" or "linked", not "stacks"',
      'net.json: policy[3].between: between needs "groupBy", "selector" or both',
      'net.json: policy[4].to: a rule with "from" and "to" needs both, each {"selector": "..."}; to is missing',
      'net.json: policy[5]: a rule needs exactly one of "within", "between", or "from" with "to"; it gives within and between',
      'net.json: policy[6].withn: unknown field "withn"; expected one of action, within, between, from, to, ports, type',
      'net.json: policy[6]: a rule needs exactly one of "within", "between", or "from" with "to"; it gives none',
      'net.json: policy[7].ports[0]: "80/icmp" is not a port: expected 1-65535, optionally with /tcp or /udp',
      "net.json: policy[7].ports[1]: 0 is not a port: expected 1-65535, optionally with /tcp or /udp",
      'net.json: policy[7].ports[2]: "65536" is not a port: expected 1-65535, optionally with /tcp or /udp',
      'net.json: policy[8].between.groupBy: groupBy "bad key!" is not a label key moat can use',
      'net.json: policy[9].from.selector: selector "a=b,,c": has an empty constraint (a comma too many?)',
      'net.json: policy[9].to.selector: selector "x=\\"quoted\\"": "\\"quoted\\"" is not a label value moat can use',
    ]);
  });

  it("refuses a collection of networks, a network without a name, and subnets moat cannot read", () => {
    expect(messages(JSON.stringify({ type: "collection", data: [] }))).toEqual([
      "net.json: type: this is a collection of networks; give one network resource, as GET /v2-beta/projects/<project>/networks/<network> returns it",
    ]);
    expect(messages(network([], "deny", { name: null, subnets: [{ networkAddress: "10.42.0.1", cidrSize: 16 }, { networkAddress: "10.43.0.0" }] }))).toEqual([
      "net.json: name: the network needs a name, but it is missing",
      'net.json: subnets[0]: "10.42.0.1/16" has host bits set; did you mean "10.42.0.0/16"?',
      'net.json: subnets[1].cidrSize: subnet "10.43.0.0" needs a cidrSize, but it is missing',
    ]);
  });

  it("reports bad containers by their place in the collection, and an address outside the network's subnets", () => {
    const cs = [
      container("s/a", {}, { primaryIpAddress: "10.42.0.300" }),
      container("s/b", {}, { hostId: null }),
      container("s/c", { team: 7 as unknown as string }),
      container("s/d", {}, { primaryIpAddress: "10.43.0.5" }),
      container("s/e", {}, { ports: ["8080:http/tcp"] }),
    ];
    expect(messages(network([{ between: { groupBy: "team" }, action: "allow" }]), collection(cs))).toEqual([
      'c.json: data[0].primaryIpAddress: "10.42.0.300" is not an IP address',
      "c.json: data[1].hostId: a running container needs the hostId of its host, but it is missing",
      'c.json: data[2].labels.team: label "team" must be a string, not 7',
      'c.json: data[4].ports[0]: "8080:http/tcp" is not a port mapping such as "8080:80/tcp" or "80"',
    ]);
    // The address is checked against the emitted Network by buildModel, and reported against the container.
    expect(messages(network([]), collection([cs[3]]))).toEqual([
      'c.json: data[0]: would import an invalid manifest: Workload/s-d-1: spec.ips[0]: "10.43.0.5" is outside network "ipsec"\'s subnets (10.42.0.0/16)',
    ]);
  });

  it("refuses a label a rule depends on when moat cannot carry it, and values that would become equal", () => {
    const cs = [container("s/a", { "com.x/team": "red team" }), container("s/b", { zone: "eu/west" }), container("s/c", { zone: "eu.west" })];
    expect(messages(network([{ between: { groupBy: "com.x/team" }, action: "allow" }, { between: { groupBy: "zone" }, action: "allow" }]), collection(cs))).toEqual([
      'c.json: data[0].labels.com.x/team: label "com.x/team": "red team" cannot be a moat label, and the policy depends on it',
      'c.json: data[2].labels.zone: label "zone": "eu.west" and "eu/west" would both become "eu.west"',
    ]);
  });

  it("renames a container whose name starts with moat, and refuses two that would share one name", () => {
    const renamed = importRancher({ network: { file: "net.json", text: network([]) }, containers: { file: "c.json", text: collection([container("s/a", {}, { name: "moat-proxy" })]) } });
    expect(modelOf(renamed).workloads.map((w) => w.id)).toEqual(["rancher-moat-proxy"]);
    expect(renamed.ok && renamed.warnings).toContain('container "moat-proxy" is imported as "rancher-moat-proxy" (moat names are [A-Za-z0-9-_.] and may not start with "moat")');
    const clash = [container("s/a", {}, { name: "web 1" }), container("s/b", {}, { name: "web-1" })];
    expect(messages(network([]), collection(clash))).toEqual(['c.json: data[1].name: container "web-1" and "web 1" both become "web-1"']);
  });

  it("leaves out system, stopped, address-less and host-network containers, saying so", () => {
    const cs = [
      container("s/a"),
      container("net/ipsec", {}, { system: true }),
      container("s/b", {}, { state: "stopped" }),
      container("s/c", {}, { primaryIpAddress: null }),
      container("s/d", {}, { networkMode: "host" }),
    ];
    const r = importRancher({ network: { file: "net.json", text: network([]) }, containers: { file: "c.json", text: collection(cs) } });
    expect(modelOf(r).workloads.map((w) => w.id)).toEqual(["s-a-1"]);
    expect(r.ok && r.warnings).toEqual([
      "c.json: container \"net-ipsec-1\" is not imported: it is a system container, which Rancher's network policy leaves alone",
      'c.json: container "s-b-1" is not imported: it is stopped',
      'c.json: container "s-c-1" is not imported: it has no primaryIpAddress',
      'c.json: container "s-d-1" is not imported: its networkMode is "host", not the managed network',
      'c.json: label "io.rancher.container.ip" is left off 1 container: it is not a valid moat label key and value (no rule refers to it)',
    ]);
  });
});

describe("Rancher hostId (issue 7)", () => {
  it.each([["1H1"], ["host 1"], ["h1\n-A FORWARD -j ACCEPT"], ["h_1"]])("refuses hostId %j as a node name", (hostId) => {
    const lines = messages(network([]), collection([container("s/a", {}, { hostId })]));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^c\.json: data\[0\]\.hostId: hostId: node name .* is invalid: it must be a lowercase DNS subdomain/);
    expect(lines[0]).not.toContain("\n");
  });
});
