// decide against DESIGN.md "Semantics", one test per branch of steps 1 to 5. Each test builds a small
// model from manifests and states the verdict the design calls for.
import { describe, expect, it } from "vitest";
import { parseIp, type Ip, type Model, type Protocol } from "../../src/model/index.js";
import { decide, type Verdict } from "../../src/policy/index.js";
import { model, namespace, network, policy, workload } from "../model/manifests.js";

const EXTERNAL = "192.0.2.1"; // in no network
const STRAY = "10.0.0.99"; // inside network "open", but no workload has it

const base = [
  network("open", ["10.0.0.0/24"], "none"),
  network("closed", ["10.1.0.0/24"], "network"),
  network("locked", ["10.2.0.0/24"], "workload"),
  workload("a1", { network: "open", ips: ["10.0.0.1"], labels: { app: "a" } }),
  workload("a2", { network: "open", ips: ["10.0.0.2"], labels: { app: "a" } }),
  workload("a3", { network: "open", ips: ["10.0.0.3"], labels: { app: "b" } }),
  workload("c1", { network: "closed", ips: ["10.1.0.1"], labels: { app: "a" } }),
  workload("c2", { network: "closed", ips: ["10.1.0.2"] }),
  workload("l1", { network: "locked", ips: ["10.2.0.1"] }),
  workload("l2", { network: "locked", ips: ["10.2.0.2"] }),
];

const withBase = (...docs: unknown[]) => model(...base, ...docs);

function address(m: Model, text: string): Ip {
  const ip = parseIp(text);
  if (ip.ok) return ip.value;
  const w = m.workloads.find((x) => x.id === text);
  if (!w) throw new Error(`no workload ${text}`);
  return w.ips[0]!;
}

/** The verdict for a new connection; endpoints are workload ids or addresses. */
function check(m: Model, from: string, to: string, protocol: Protocol = "TCP", port: number | undefined = protocol === "ICMP" ? undefined : 80): Verdict {
  return decide(m, { src: address(m, from), dst: address(m, to), protocol, ...(port !== undefined ? { port } : {}) });
}

const allowed = (m: Model, from: string, to: string, protocol?: Protocol, port?: number) => check(m, from, to, protocol, port).allowed;

const egress = (name: string, selector: string, rules: unknown[], order?: number) =>
  policy(name, { selector, types: ["Egress"], egress: rules, ...(order !== undefined ? { order } : {}) });
const ingress = (name: string, selector: string, rules: unknown[], order?: number) =>
  policy(name, { selector, types: ["Ingress"], ingress: rules, ...(order !== undefined ? { order } : {}) });
const named = (id: string) => `moat.dev/name == "${id}"`;

describe("step 1: self-traffic", () => {
  const denyAll = policy("deny-all", { selector: "all()", types: ["Ingress", "Egress"], ingress: [{ action: "Deny" }], egress: [{ action: "Deny" }] });

  it("a workload talking to its own address is allowed, even when every policy denies", () => {
    const m = withBase(denyAll);
    const v = check(m, "a1", "a1");
    expect(v).toMatchObject({ allowed: true, stages: [], logged: [] });
    expect(v.reason).toContain("a1 is talking to itself");
    expect(allowed(m, "l1", "l1")).toBe(true);
    expect(allowed(m, "a1", "a2")).toBe(false);
  });

  it("from one of its addresses to another of its own is self-traffic too", () => {
    const m = model(network("n", ["10.0.0.0/24"], "workload"), workload("two", { network: "n", ips: ["10.0.0.1", "10.0.0.2"] }), denyAll);
    expect(allowed(m, "10.0.0.1", "10.0.0.2")).toBe(true);
  });
});

describe("step 2: egress, when the source is a workload", () => {
  it("no policy applies: egress is allowed by default, whatever the isolation", () => {
    const m = withBase();
    const v = check(m, "l1", EXTERNAL);
    expect(v.allowed).toBe(true);
    expect(v.stages[0]).toEqual({ stage: "egress", workload: "l1", allowed: true, cause: { kind: "no-policy" }, network: "locked", isolation: "workload" });
    expect(v.reason).toContain("egress of l1: no policy applies and egress is open by default");
  });

  it("Allow passes to step 3, where the destination's ingress still decides", () => {
    const m = withBase(egress("out", named("l1"), [{ action: "Allow" }]));
    const v = check(m, "l1", "l2");
    expect(v.allowed).toBe(false);
    expect(v.stages.map((s) => [s.stage, s.allowed, s.cause.kind])).toEqual([
      ["egress", true, "rule"],
      ["ingress", false, "no-policy"],
    ]);
    expect(allowed(m, "l1", "a1")).toBe(true);
  });

  it("Allow decides the stage: later rules and later policies are not consulted", () => {
    const m = withBase(egress("first", named("a1"), [{ action: "Allow" }, { action: "Deny" }], 1), egress("second", named("a1"), [{ action: "Deny" }], 2));
    expect(check(m, "a1", "a2").stages[0]!.cause).toEqual({ kind: "rule", policy: "first", rule: 0, action: "Allow" });
  });

  it("Deny denies at egress, and ingress is never consulted", () => {
    const m = withBase(egress("deny-out", named("a1"), [{ action: "Allow", to: { cidrs: [`${EXTERNAL}/32`] } }, { action: "Deny", to: { selector: named("a2") } }]), ingress("in", "all()", [{ action: "Allow" }]));
    const v = check(m, "a1", "a2");
    expect(v.allowed).toBe(false);
    expect(v.stages).toEqual([{ stage: "egress", workload: "a1", allowed: false, cause: { kind: "rule", policy: "deny-out", rule: 1, action: "Deny" } }]);
    expect(v.reason).toBe("denied at egress of a1: policy deny-out egress rule 1 (Deny)");
  });

  it("Pass skips the remaining rules and policies and goes to the source network's default, allow", () => {
    const m = withBase(egress("pass", named("l1"), [{ action: "Pass" }, { action: "Deny" }], 1), egress("deny", named("l1"), [{ action: "Deny" }], 2));
    const v = check(m, "l1", EXTERNAL);
    expect(v.allowed).toBe(true);
    expect(v.stages[0]).toMatchObject({ stage: "egress", allowed: true, cause: { kind: "pass", policy: "pass", rule: 0 } });
    expect(v.reason).toContain("policy pass egress rule 0 (Pass) left it to the network default: egress is open by default");
  });

  it("Log logs and goes on to the next rule", () => {
    const m = withBase(egress("log", named("a1"), [{ action: "Log", to: { selector: named("a2") } }, { action: "Log", to: { selector: named("a3") } }, { action: "Deny" }]));
    const v = check(m, "a1", "a2");
    expect(v.allowed).toBe(false);
    expect(v.logged).toEqual([{ stage: "egress", policy: "log", rule: 0 }]);
    expect(v.stages[0]!.cause).toEqual({ kind: "rule", policy: "log", rule: 2, action: "Deny" });
  });

  it("a policy applied and no rule decided: deny, naming the policies", () => {
    const m = withBase(egress("web-only", named("a1"), [{ action: "Allow", to: { cidrs: [`${EXTERNAL}/32`] } }]), egress("logs", named("a1"), [{ action: "Log" }], 2000));
    const v = check(m, "a1", "a2");
    expect(v.allowed).toBe(false);
    expect(v.logged).toEqual([{ stage: "egress", policy: "logs", rule: 0 }]);
    expect(v.stages[0]!.cause).toEqual({ kind: "undecided", policies: ["web-only", "logs"] });
    expect(v.reason).toBe("denied at egress of a1: policies web-only, logs apply and none of their rules matched");
    expect(allowed(m, "a1", EXTERNAL)).toBe(true);
  });

  it("a policy applies only to workloads its selector matches, and only in the directions of its types", () => {
    const m = withBase(egress("deny-b", 'app == "b"', [{ action: "Deny" }]), ingress("deny-in-a1", named("a1"), [{ action: "Deny" }]));
    expect(allowed(m, "a1", "a2")).toBe(true);
    expect(allowed(m, "a3", "a2")).toBe(false);
    expect(allowed(m, "a2", "a1")).toBe(false);
  });

  it("a source that is not a workload has no egress stage to deny it", () => {
    const m = withBase(egress("deny-all", "all()", [{ action: "Deny" }]));
    const v = check(m, EXTERNAL, "a1");
    expect(v.allowed).toBe(true);
    expect(v.stages[0]).toEqual({ stage: "egress", allowed: true, cause: { kind: "not-a-workload" } });
  });
});

describe("step 3: ingress, when the destination is a workload", () => {
  it("no policy applies: isolation none lets anyone in, workloads and outside addresses", () => {
    const m = withBase();
    for (const from of ["a2", "c1", "l1", EXTERNAL]) expect(allowed(m, from, "a1")).toBe(true);
    const v = check(m, EXTERNAL, "a1");
    expect(v.stages[1]).toEqual({ stage: "ingress", workload: "a1", allowed: true, cause: { kind: "no-policy" }, network: "open", isolation: "none" });
    expect(v.reason).toContain("ingress of a1: no policy applies and network open lets anyone in (isolation none)");
  });

  it("no policy applies: isolation network lets in only members of the same network", () => {
    const m = withBase();
    expect(allowed(m, "c2", "c1")).toBe(true);
    expect(allowed(m, "a1", "c1")).toBe(false);
    expect(allowed(m, "l1", "c1")).toBe(false);
    expect(allowed(m, EXTERNAL, "c1")).toBe(false);
    expect(allowed(m, "10.1.0.99", "c1")).toBe(false);
    expect(check(m, "a1", "c1").reason).toBe("denied at ingress of c1: no policy applies and network closed lets only its own members in (isolation network)");
  });

  it("no policy applies: isolation workload lets nobody in, not even its own network", () => {
    const m = withBase();
    for (const from of ["l2", "a1", EXTERNAL]) expect(allowed(m, from, "l1")).toBe(false);
    expect(check(m, "l2", "l1").stages[1]).toMatchObject({ allowed: false, cause: { kind: "no-policy" }, isolation: "workload" });
  });

  it("Allow lets in what isolation would keep out", () => {
    const m = withBase(ingress("let-l2", named("l1"), [{ action: "Allow", from: { selector: named("l2") } }]));
    expect(allowed(m, "l2", "l1")).toBe(true);
    expect(check(m, "l2", "l1").reason).toBe(
      "allowed: egress of l2: no policy applies and egress is open by default; then ingress of l1: policy let-l2 ingress rule 0 (Allow)",
    );
    expect(allowed(m, "a1", "l1")).toBe(false);
  });

  it("Deny keeps out what isolation would let in, after egress allowed", () => {
    const m = withBase(ingress("no-a1", named("a2"), [{ action: "Deny", from: { selector: named("a1") } }, { action: "Allow" }]));
    const v = check(m, "a1", "a2");
    expect(v.allowed).toBe(false);
    expect(v.stages.map((s) => s.stage)).toEqual(["egress", "ingress"]);
    expect(v.stages[1]!.cause).toEqual({ kind: "rule", policy: "no-a1", rule: 0, action: "Deny" });
    expect(allowed(m, "a3", "a2")).toBe(true);
  });

  it("Pass goes to the destination network's isolation", () => {
    const m = withBase(ingress("pass", "has(moat.dev/name)", [{ action: "Pass" }, { action: "Allow" }], 1), ingress("allow", "all()", [{ action: "Allow" }], 2));
    expect(allowed(m, "c2", "c1")).toBe(true);
    expect(allowed(m, "a1", "c1")).toBe(false);
    expect(allowed(m, "l2", "l1")).toBe(false);
    expect(allowed(m, EXTERNAL, "a1")).toBe(true);
    const v = check(m, "a1", "c1");
    expect(v.stages[1]).toEqual({ stage: "ingress", workload: "c1", allowed: false, cause: { kind: "pass", policy: "pass", rule: 0 }, network: "closed", isolation: "network" });
    expect(v.reason).toBe("denied at ingress of c1: policy pass ingress rule 0 (Pass) left it to the network default: network closed lets only its own members in (isolation network)");
  });

  it("Log logs and goes on; egress logs come before ingress logs", () => {
    const m = withBase(egress("log-out", named("a1"), [{ action: "Log" }, { action: "Allow" }]), ingress("log-in", named("l1"), [{ action: "Log" }, { action: "Log", from: { selector: named("l2") } }, { action: "Allow" }]));
    const v = check(m, "a1", "l1");
    expect(v.allowed).toBe(true);
    expect(v.logged).toEqual([
      { stage: "egress", policy: "log-out", rule: 0 },
      { stage: "ingress", policy: "log-in", rule: 0 },
    ]);
  });

  it("a policy applied and no rule decided: deny, even in an open network", () => {
    const m = withBase(ingress("only-external", named("a1"), [{ action: "Allow", from: { cidrs: ["192.0.2.0/24"] } }]));
    expect(allowed(m, EXTERNAL, "a1")).toBe(true);
    const v = check(m, "a2", "a1");
    expect(v.allowed).toBe(false);
    expect(v.stages[1]!.cause).toEqual({ kind: "undecided", policies: ["only-external"] });
  });

  it("a destination that is not a workload has no ingress stage", () => {
    const m = withBase(ingress("deny-all", "all()", [{ action: "Deny" }]));
    const v = check(m, "a1", EXTERNAL);
    expect(v.allowed).toBe(true);
    expect(v.stages[1]).toEqual({ stage: "ingress", allowed: true, cause: { kind: "not-a-workload" } });
  });

  it("egress and ingress must both allow", () => {
    const m = withBase(egress("out", named("a1"), [{ action: "Deny", to: { selector: named("a3") } }, { action: "Allow" }]), ingress("in", named("a2"), [{ action: "Deny" }]));
    expect(allowed(m, "a1", "a2")).toBe(false);
    expect(allowed(m, "a1", "a3")).toBe(false);
    expect(allowed(m, "a2", "a3")).toBe(true);
    expect(check(m, "a1", "a2").stages.map((s) => s.stage)).toEqual(["egress", "ingress"]);
  });
});

describe("step 4: which peers a rule's fields match", () => {
  it("cidrs match an address outside every workload, and a workload's address too", () => {
    const m = withBase(egress("out", named("a1"), [{ action: "Allow", to: { cidrs: ["192.0.2.0/24", "10.0.0.2/32"] } }]));
    expect(allowed(m, "a1", EXTERNAL)).toBe(true);
    expect(allowed(m, "a1", "a2")).toBe(true);
    expect(allowed(m, "a1", "198.51.100.1")).toBe(false);
    expect(allowed(m, "a1", "a3")).toBe(false);
  });

  it("notCidrs alone match every address outside them, workload or not", () => {
    const m = withBase(egress("out", named("a1"), [{ action: "Allow", to: { notCidrs: ["10.0.0.0/24"] } }]));
    expect(allowed(m, "a1", EXTERNAL)).toBe(true);
    expect(check(m, "a1", "c2").stages[0]!.allowed).toBe(true);
    expect(allowed(m, "a1", "a2")).toBe(false);
  });

  it("selector matches only workloads: all() does not reach an outside address", () => {
    const m = withBase(egress("out", named("a1"), [{ action: "Allow", to: { selector: "all()" } }]), ingress("in", named("a1"), [{ action: "Allow", from: { selector: "!has(app)" } }]));
    expect(allowed(m, "a1", "a2")).toBe(true);
    expect(allowed(m, "a1", EXTERNAL)).toBe(false);
    expect(allowed(m, "a1", STRAY)).toBe(false);
    expect(allowed(m, "c2", "a1")).toBe(true);
    expect(allowed(m, EXTERNAL, "a1")).toBe(false);
  });

  it("networks match only workloads of those networks, not stray addresses in their subnets", () => {
    const m = withBase(egress("out", named("a1"), [{ action: "Allow", to: { networks: ["open", "locked"] } }]));
    expect(allowed(m, "a1", "a2")).toBe(true);
    expect(allowed(m, "a1", STRAY)).toBe(false);
    expect(allowed(m, "a1", "c1")).toBe(false);
    expect(check(m, "a1", "l1").stages[0]!.allowed).toBe(true);
  });

  describe("sameLabels", () => {
    const m = model(
      network("env", ["10.3.0.0/24"]),
      workload("qa-1", { network: "env", ips: ["10.3.0.1"], labels: { dept: "qa" } }),
      workload("qa-2", { network: "env", ips: ["10.3.0.2"], labels: { dept: "qa" } }),
      workload("eng-1", { network: "env", ips: ["10.3.0.3"], labels: { dept: "eng" } }),
      workload("none-1", { network: "env", ips: ["10.3.0.4"] }),
      workload("none-2", { network: "env", ips: ["10.3.0.5"] }),
      workload("empty-1", { network: "env", ips: ["10.3.0.6"], labels: { dept: "" } }),
      workload("empty-2", { network: "env", ips: ["10.3.0.7"], labels: { dept: "" } }),
      ingress("same-dept", "all()", [{ action: "Allow", from: { sameLabels: ["dept"] } }]),
    );

    it("matches a workload with the same value of every key", () => {
      expect(allowed(m, "qa-1", "qa-2")).toBe(true);
      expect(allowed(m, "qa-2", "qa-1")).toBe(true);
      expect(allowed(m, "eng-1", "qa-1")).toBe(false);
      expect(allowed(m, "qa-1", "eng-1")).toBe(false);
      expect(allowed(m, "empty-1", "empty-2")).toBe(true);
    });

    it("a workload that lacks the key shares it with nobody, not even another that lacks it", () => {
      expect(allowed(m, "none-1", "qa-1")).toBe(false);
      expect(allowed(m, "qa-1", "none-1")).toBe(false);
      expect(allowed(m, "none-1", "none-2")).toBe(false);
      expect(allowed(m, "empty-1", "none-1")).toBe(false);
    });

    it("never matches an address outside every workload", () => {
      expect(allowed(m, "10.3.0.99", "qa-1")).toBe(false);
    });

    it("needs every key listed to be shared", () => {
      const m2 = model(
        network("env", ["10.3.0.0/24"]),
        workload("x", { network: "env", ips: ["10.3.0.1"], labels: { dept: "qa", site: "a" } }),
        workload("y", { network: "env", ips: ["10.3.0.2"], labels: { dept: "qa", site: "b" } }),
        workload("z", { network: "env", ips: ["10.3.0.3"], labels: { dept: "qa", site: "a" } }),
        ingress("same", "all()", [{ action: "Allow", from: { sameLabels: ["dept", "site"] } }]),
      );
      expect(allowed(m2, "x", "z")).toBe(true);
      expect(allowed(m2, "x", "y")).toBe(false);
    });
  });

  it("namespaceSelector matches on the labels of the workload's Namespace; no namespace never matches", () => {
    const m = model(
      network("n", ["10.4.0.0/24"], "workload"),
      namespace("prod", { env: "prod" }),
      namespace("dev", { env: "dev" }),
      workload("api", { network: "n", namespace: "prod", ips: ["10.4.0.1"] }),
      workload("client", { network: "n", namespace: "prod", ips: ["10.4.0.2"] }),
      workload("tool", { network: "n", namespace: "dev", ips: ["10.4.0.3"] }),
      workload("bare", { network: "n", ips: ["10.4.0.4"] }),
      workload("ghost", { network: "n", namespace: "undeclared", ips: ["10.4.0.5"] }),
      ingress("from-prod", named("api"), [{ action: "Allow", from: { namespaceSelector: 'env == "prod"' } }, { action: "Allow", from: { namespaceSelector: "!has(env)" } }]),
    );
    expect(allowed(m, "prod/client", "prod/api")).toBe(true);
    expect(allowed(m, "dev/tool", "prod/api")).toBe(false);
    expect(allowed(m, "bare", "prod/api")).toBe(false);
    // A namespace with no Namespace resource has no labels.
    expect(allowed(m, "undeclared/ghost", "prod/api")).toBe(true);
  });

  it("a policy with a namespace applies only to that namespace's workloads; its peers are not restricted", () => {
    const m = model(
      network("n", ["10.4.0.0/24"]),
      workload("api", { network: "n", namespace: "prod", ips: ["10.4.0.1"] }),
      workload("api", { network: "n", namespace: "dev", ips: ["10.4.0.2"] }),
      workload("client", { network: "n", ips: ["10.4.0.3"] }),
      policy("only-client", { selector: 'moat.dev/name == "api"', ingress: [{ action: "Allow", from: { selector: named("client") } }] }, { namespace: "prod" }),
    );
    expect(allowed(m, "dev/api", "prod/api")).toBe(false);
    expect(allowed(m, "client", "prod/api")).toBe(true);
    expect(allowed(m, "prod/api", "dev/api")).toBe(true);
    expect(check(m, "dev/api", "prod/api").stages[1]!.cause).toEqual({ kind: "undecided", policies: ["prod/only-client"] });
  });
});

describe("step 5: fields of a peer, rules without peer, ports and protocols", () => {
  it("within one peer every field must hold: cidrs with notCidrs is ipBlock with except", () => {
    const m = withBase(egress("out", named("a1"), [{ action: "Allow", to: { cidrs: ["10.0.0.0/24"], notCidrs: ["10.0.0.2/32"] } }]));
    expect(allowed(m, "a1", "a3")).toBe(true);
    expect(allowed(m, "a1", STRAY)).toBe(true);
    expect(allowed(m, "a1", "a2")).toBe(false);
    expect(allowed(m, "a1", EXTERNAL)).toBe(false);
  });

  it("within one peer every field must hold: selector and networks", () => {
    const m = withBase(ingress("in", named("l1"), [{ action: "Allow", from: { selector: 'app == "a"', networks: ["closed"] } }]));
    expect(allowed(m, "c1", "l1")).toBe(true);
    expect(allowed(m, "a1", "l1")).toBe(false);
    expect(allowed(m, "c2", "l1")).toBe(false);
  });

  it("within one peer every field must hold: cidrs and a selector exclude a stray address in the range", () => {
    const m = withBase(egress("out", named("a1"), [{ action: "Allow", to: { cidrs: ["10.0.0.0/24"], selector: "all()" } }]));
    expect(allowed(m, "a1", "a2")).toBe(true);
    expect(allowed(m, "a1", STRAY)).toBe(false);
    expect(allowed(m, "a1", "c1")).toBe(false);
  });

  it("alternatives are separate rules (OR)", () => {
    const m = withBase(egress("out", named("a1"), [{ action: "Allow", to: { cidrs: ["192.0.2.0/24"] } }, { action: "Allow", to: { selector: 'app == "b"' } }]));
    expect(allowed(m, "a1", EXTERNAL)).toBe(true);
    expect(allowed(m, "a1", "a3")).toBe(true);
    expect(allowed(m, "a1", "a2")).toBe(false);
  });

  it("a rule with no peer matches every peer, workload or not", () => {
    const m = withBase(ingress("in", named("l1"), [{ action: "Allow" }]));
    for (const from of ["l2", "a1", "c1", EXTERNAL]) expect(allowed(m, from, "l1")).toBe(true);
  });

  it("a rule with no protocol or ports matches every protocol and port, ICMP included", () => {
    const m = withBase(ingress("in", named("l1"), [{ action: "Allow", from: { selector: named("l2") } }]));
    expect(allowed(m, "l2", "l1", "TCP", 1)).toBe(true);
    expect(allowed(m, "l2", "l1", "UDP", 65535)).toBe(true);
    expect(allowed(m, "l2", "l1", "SCTP", 9)).toBe(true);
    expect(allowed(m, "l2", "l1", "ICMP")).toBe(true);
  });

  it("a protocol matches only that protocol", () => {
    const m = withBase(ingress("in", named("l1"), [{ action: "Allow", protocol: "UDP" }, { action: "Allow", protocol: "ICMP" }]));
    expect(allowed(m, "l2", "l1", "UDP", 53)).toBe(true);
    expect(allowed(m, "l2", "l1", "ICMP")).toBe(true);
    expect(allowed(m, "l2", "l1", "TCP", 53)).toBe(false);
    expect(allowed(m, "l2", "l1", "SCTP", 53)).toBe(false);
  });

  it("ports as numbers, strings and start:end ranges, ends included", () => {
    const m = withBase(ingress("in", named("l1"), [{ action: "Allow", protocol: "TCP", ports: [80, "443", "8000:8100"] }]));
    for (const port of [80, 443, 8000, 8050, 8100]) expect(allowed(m, "l2", "l1", "TCP", port)).toBe(true);
    for (const port of [79, 81, 442, 7999, 8101]) expect(allowed(m, "l2", "l1", "TCP", port)).toBe(false);
    expect(allowed(m, "l2", "l1", "UDP", 80)).toBe(false);
  });

  it("a rule with ports never matches a flow without a port (ICMP, or a TCP flow given none)", () => {
    const m = withBase(ingress("in", named("l1"), [{ action: "Allow", protocol: "TCP", ports: ["1:65535"] }]));
    expect(allowed(m, "l2", "l1", "ICMP")).toBe(false);
    expect(decide(m, { src: address(m, "l2"), dst: address(m, "l1"), protocol: "TCP" }).allowed).toBe(false);
    expect(allowed(m, "l2", "l1", "TCP", 1)).toBe(true);
  });

  describe("named ports are resolved on the destination workload", () => {
    const m = model(
      network("n", ["10.5.0.0/24"], "workload"),
      workload("s1", { network: "n", ips: ["10.5.0.1"], ports: [{ name: "http", port: 8080 }] }),
      workload("s2", { network: "n", ips: ["10.5.0.2"], ports: [{ name: "http", port: 9090 }, { name: "dns", port: 53, protocol: "UDP" }] }),
      workload("client", { network: "n", ips: ["10.5.0.3"], labels: { role: "client" }, ports: [{ name: "http", port: 7070 }] }),
      workload("dual", { network: "n", ips: ["10.5.0.4"], ports: [{ name: "svc", port: 5000, protocol: "TCP" }, { name: "svc", port: 6000, protocol: "UDP" }] }),
      ingress("in", "!has(role)", [{ action: "Allow", protocol: "TCP", ports: ["http"] }, { action: "Allow", protocol: "UDP", ports: ["dns", "svc"] }]),
      egress("out", named("client"), [{ action: "Allow", protocol: "TCP", ports: ["http"] }, { action: "Allow", protocol: "UDP" }]),
    );

    it("at ingress: each destination's own number for the name", () => {
      expect(allowed(m, "client", "s1", "TCP", 8080)).toBe(true);
      expect(allowed(m, "client", "s1", "TCP", 9090)).toBe(false);
      expect(allowed(m, "client", "s2", "TCP", 9090)).toBe(true);
      expect(allowed(m, "client", "s2", "TCP", 8080)).toBe(false);
    });

    it("at egress: the destination's number, not the source's", () => {
      expect(check(m, "client", "s1", "TCP", 8080).stages[0]!.allowed).toBe(true);
      expect(check(m, "client", "s1", "TCP", 7070).stages[0]!.allowed).toBe(false);
      expect(allowed(m, "client", "192.0.2.1", "TCP", 8080)).toBe(false);
      expect(allowed(m, "client", "192.0.2.1", "TCP", 7070)).toBe(false);
    });

    it("with the protocol the name is declared for", () => {
      expect(allowed(m, "client", "s2", "UDP", 53)).toBe(true);
      expect(allowed(m, "client", "s2", "TCP", 53)).toBe(false);
      expect(allowed(m, "client", "dual", "UDP", 6000)).toBe(true);
      expect(allowed(m, "client", "dual", "UDP", 5000)).toBe(false);
    });
  });
});

describe("ordering: policies by (order, name), rules in array order", () => {
  const allowA1 = (name: string, order: number) => ingress(name, named("l1"), [{ action: "Allow", from: { selector: named("a1") } }], order);
  const denyA1 = (name: string, order: number) => ingress(name, named("l1"), [{ action: "Deny", from: { selector: named("a1") } }], order);

  it("a lower order goes first, whatever the document order", () => {
    expect(allowed(withBase(allowA1("allow", 200), denyA1("deny", 100)), "a1", "l1")).toBe(false);
    expect(allowed(withBase(denyA1("deny", 200), allowA1("allow", 100)), "a1", "l1")).toBe(true);
    expect(allowed(withBase(denyA1("deny", 0.5), allowA1("allow", -3)), "a1", "l1")).toBe(true);
  });

  it("at equal order, names in order decide", () => {
    expect(allowed(withBase(allowA1("b-allow", 100), denyA1("a-deny", 100)), "a1", "l1")).toBe(false);
    expect(allowed(withBase(denyA1("z-deny", 100), allowA1("b-allow", 100)), "a1", "l1")).toBe(true);
  });

  it("within a policy, the first matching rule decides", () => {
    const rules = (first: string, second: string) => ingress("p", named("l1"), [{ action: first }, { action: second }]);
    expect(allowed(withBase(rules("Allow", "Deny")), "a1", "l1")).toBe(true);
    expect(allowed(withBase(rules("Deny", "Allow")), "a1", "l1")).toBe(false);
  });

  it("a policy whose rules do not match hands on to the next policy, which the reason names", () => {
    const m = withBase(ingress("first", named("l1"), [{ action: "Allow", from: { cidrs: ["192.0.2.0/24"] } }], 1), ingress("second", named("l1"), [{ action: "Log" }, { action: "Deny" }], 2));
    const v = check(m, "a1", "l1");
    expect(v.stages[1]!.cause).toEqual({ kind: "rule", policy: "second", rule: 1, action: "Deny" });
    expect(v.reason).toContain("ingress of l1");
    expect(v.reason).toContain("policy second ingress rule 1 (Deny)");
  });
});

describe("IPv6", () => {
  const m = model(
    network("v6", ["fd00:1::/64"], "workload"),
    network("v4", ["10.6.0.0/24"]),
    workload("x", { network: "v6", ips: ["fd00:1::1"] }),
    workload("y", { network: "v6", ips: ["fd00:1::2"] }),
    workload("z", { network: "v6", ips: ["fd00:1::3"] }),
    ingress("in", named("x"), [{ action: "Allow", from: { cidrs: ["fd00:1::/112", "0.0.0.0/0"], notCidrs: ["fd00:1::3/128"] } }]),
  );

  it("decides on IPv6 addresses as on IPv4: cidrs, notCidrs and isolation", () => {
    expect(allowed(m, "fd00:1::2", "fd00:1::1")).toBe(true);
    expect(allowed(m, "fd00:1::3", "fd00:1::1")).toBe(false);
    expect(allowed(m, "fd00:2::1", "fd00:1::1")).toBe(false);
    expect(allowed(m, "fd00:1::1", "fd00:1::2")).toBe(false);
    expect(allowed(m, "fd00:1:0:0::1", "fd00:1::1")).toBe(true);
  });
});

describe("decide is pure", () => {
  it("gives the same verdict every time and leaves the model as it was", () => {
    const m = withBase(ingress("in", named("l1"), [{ action: "Log" }, { action: "Allow", from: { sameLabels: ["app"] } }]));
    const before = JSON.stringify(m, (_, v) => (typeof v === "bigint" ? v.toString() : v));
    const first = check(m, "c1", "l1");
    expect(check(m, "c1", "l1")).toEqual(first);
    expect(JSON.stringify(m, (_, v) => (typeof v === "bigint" ? v.toString() : v))).toBe(before);
  });
});
