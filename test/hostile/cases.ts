// Hostile inputs for issue 7's "done when": files (text or bytes) and flags that a careless user or an
// attacker could give moat. Each says what every command must answer; hostile.test.ts runs them all.

export type Command = "validate" | "check" | "matrix" | "compile" | "apply";
/** Exit codes a command may give: one, or any of several (check: allowed 0, denied 1). */
export type Expect = Record<Command, number | number[]>;

export interface HostileCase {
  name: string;
  /** The manifest, as text (written as UTF-8) or as raw bytes. */
  input: string | Uint8Array;
  /** Flags that replace a command's defaults (DEFAULT_FLAGS). */
  flags?: Partial<Record<Command, string[]>>;
  expect: Expect;
  /** Whether an accepted apply must change the base rules (when it matters). */
  applyChanges?: boolean;
}

export const DEFAULT_FLAGS: Record<Command, string[]> = {
  validate: [],
  check: ["--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "80"],
  matrix: ["--port", "80"],
  compile: ["--node", "agent-1"],
  apply: ["--node", "agent-1"],
};

export const REFUSED: Expect = { validate: 2, check: 2, matrix: 2, compile: 2, apply: 2 };
/** Valid, with workloads on agent-1: every command does its job. */
export const ACCEPTED: Expect = { validate: 0, check: [0, 1], matrix: 0, compile: 0, apply: 0 };
/** Valid, but nothing on agent-1: apply refuses the node; compile prints its (empty) rules with a warning. */
export const NOT_ON_NODE: Expect = { validate: 0, check: [0, 1], matrix: 0, compile: 0, apply: 2 };
/** Valid input, a --node that is no node name: compile and apply refuse it. */
export const BAD_NODE: Expect = { validate: 0, check: [0, 1], matrix: 0, compile: 2, apply: 2 };

const j = (x: unknown) => JSON.stringify(x);
const moat = (kind: string, metadata: unknown, spec?: unknown) => ({ apiVersion: "moat.dev/v1", kind, metadata, ...(spec === undefined ? {} : { spec }) });
const net = (name = "it", spec: Record<string, unknown> = {}) => moat("Network", { name }, { subnets: ["10.0.0.0/16"], isolation: "network", ...spec });
const wl = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) =>
  moat("Workload", { name, ...meta }, { node: "agent-1", network: "it", ips: ["10.0.0.1"], ports: [{ name: "http", port: 80 }], ...spec });
const pol = (name: string, spec: Record<string, unknown> = {}) => moat("Policy", { name }, { selector: "all()", ingress: [{ action: "Allow", protocol: "TCP", ports: [80] }], ...spec });
/** A JSON List of documents. */
const list = (...items: unknown[]) => j({ apiVersion: "v1", kind: "List", items });
/** The base model with one document changed or added. */
const withDoc = (...docs: unknown[]) => list(net(), wl("a"), wl("b", { node: "agent-2", ips: ["10.0.0.2"] }), ...docs);

/** The valid manifest applied before the cases, and after every case that was accepted. */
export const BASE = [
  "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: it}\nspec: {subnets: [10.0.0.0/16], isolation: network}",
  "apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: a, labels: {app: web}}\nspec: {node: agent-1, network: it, ips: [10.0.0.1], ports: [{name: http, port: 80}]}",
  "apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: b}\nspec: {node: agent-2, network: it, ips: [10.0.0.2]}",
  'apiVersion: moat.dev/v1\nkind: Policy\nmetadata: {name: web}\nspec: {selector: app == "web", ingress: [{action: Allow, protocol: TCP, ports: [80]}]}',
].join("\n---\n");

const bytes = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p)] : p)));
const utf16 = (text: string, bom = true) => new Uint8Array([...(bom ? [0xff, 0xfe] : []), ...Buffer.from(text, "utf16le")]);
const laughs = (levels: number) => ["a0: &a0 [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: levels - 1 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(", ")}]`)].join("\n");

const ESC = "\x1b[2J\x1b[32mvalid: 9 networks\x1b[0m";
const NL = "x\n-A FORWARD -j ACCEPT";

const refused = (name: string, input: string | Uint8Array): HostileCase => ({ name, input, expect: REFUSED });

export const CASES: HostileCase[] = [
  // Nothing at all: "no objects passed", never an empty rule set.
  ...(
    [
      ["empty file", ""],
      ["only spaces and newlines", "  \n\n   \n"],
      ["only comments", "# a\n# b\n"],
      ["null", "null"],
      ["tilde", "~\n"],
      ["empty documents", "---\n---\n---\n"],
      ["empty JSON array", "[]"],
      ["empty List", j({ apiVersion: "v1", kind: "List", items: [] })],
      ["a document end only", "...\n"],
      ["nested empty arrays", "[[], [[]], []]"],
    ] as const
  ).map(([n, t]) => refused(n, t)),

  // Not YAML or JSON.
  ...(
    [
      ["unclosed flow sequence", "kind: [Network\n"],
      ["unclosed flow mapping", "metadata: {name: x\n"],
      ["bad indentation", "kind: Network\n  metadata: x\n bad: 1\n"],
      ["tab indentation", "metadata:\n\tname: x\n"],
      ["duplicate key", "apiVersion: moat.dev/v1\nkind: Network\nkind: Workload\n"],
      ["unknown tag", "kind: !evil Network\n"],
      ["undefined alias", "kind: *nothing\n"],
      ["unterminated double quote", 'kind: "Network\n'],
      ["unterminated single quote", "kind: 'Network\n"],
      ["colon soup", ": : :\n"],
      ["broken JSON", '{"apiVersion": "moat.dev/v1", "kind": }'],
      ["JSON trailing comma", '{"apiVersion": "moat.dev/v1",}'],
      ["a JSON string", '"hello"'],
      ["a JSON number", "42"],
      ["a YAML scalar", "hello world\n"],
      ["a list of nulls", "[null, null]"],
      ["List with items not a list", j({ apiVersion: "v1", kind: "List", items: "x" })],
      ["binary tag", "kind: !!binary aGVsbG8=\n"],
      ["directive only", "%YAML 1.2\n"],
      ["two directives", "%YAML 1.2\n%YAML 1.2\n---\nkind: A\n"],
    ] as const
  ).map(([n, t]) => refused(n, t)),

  // Resource exhaustion.
  refused("billion laughs", laughs(10)),
  refused("wide aliases", `a: &a [${Array(1000).fill("x").join(", ")}]\nb: [${Array(3000).fill("*a").join(", ")}]\n`),
  refused("20,000 [", "[".repeat(20_000)),
  refused("20,000 {", "{".repeat(20_000)),
  refused("JSON arrays 50,000 deep", `${"[".repeat(50_000)}${"]".repeat(50_000)}`),
  refused("JSON objects 20,000 deep", `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`),
  refused("block mappings 3,000 deep", Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n")),
  refused("selector of 20,000 !", withDoc(pol("p", { selector: `${"!".repeat(20_000)}all()` }))),
  refused("selector of 20,000 (", withDoc(pol("p", { selector: "(".repeat(20_000) }))),
  refused("peer selector of !( 10,000 times", withDoc(pol("p", { ingress: [{ action: "Allow", from: { selector: `${"!(".repeat(10_000)}all()` } }] }))),
  refused("a 1 MB name", withDoc(net("n".repeat(1 << 20)))),
  refused("a 1 MB label value", withDoc(wl("c", { ips: ["10.0.0.3"] }, { labels: { app: "v".repeat(1 << 20) } }))),

  // Not UTF-8 text.
  refused("Latin-1 byte", bytes("apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: caf", [0xe9], "}\n")),
  refused("lone continuation byte", bytes("kind: ", [0x80], "\n")),
  refused("overlong encoding of /", bytes("kind: ", [0xc0, 0xaf], "\n")),
  refused("encoded surrogate", bytes("kind: ", [0xed, 0xa0, 0x80], "\n")),
  refused("truncated sequence at the end", bytes("kind: x", [0xe2, 0x82])),
  refused("UTF-16 LE with BOM", utf16(BASE)),
  refused("UTF-16 LE without BOM", utf16(BASE, false)),
  refused("UTF-16 BE with BOM", new Uint8Array([0xfe, 0xff, ...Buffer.from(BASE, "utf16le").swap16()])),
  refused("UTF-32 LE", new Uint8Array([0xff, 0xfe, 0, 0, ...[...BASE].flatMap((c) => [c.charCodeAt(0), 0, 0, 0])])),
  refused("a NUL byte", bytes("kind: Net", [0], "work\n")),
  refused("0xff bytes", bytes([0xff, 0xff, 0xff, 0xff])),
  { name: "UTF-8 with BOM is fine", input: bytes([0xef, 0xbb, 0xbf], BASE), expect: ACCEPTED },

  // Control characters in values: refused, and shown escaped.
  refused("escape codes in a network name", withDoc(net(`n${ESC}`))),
  refused("newline in a workload name", withDoc(wl(`c${NL}`, { ips: ["10.0.0.3"] }))),
  refused("bidi override in a label value", withDoc(wl("c", { ips: ["10.0.0.3"] }, { labels: { app: "web\u202egnp.exe" } }))),
  refused("C1 CSI in a policy name", withDoc(pol("p\u009b2J"))),
  refused("carriage return in a namespace", withDoc(wl("c", { ips: ["10.0.0.3"] }, { namespace: "ns\rvalid" }))),
  refused("escape in a label key", withDoc(wl("c", { ips: ["10.0.0.3"] }, { labels: { [`k${ESC}`]: "v" } }))),
  // A selector value is free text (it matches no label then): accepted, and shown escaped wherever it is printed.
  { name: "escape in a selector", input: withDoc(pol("p", { selector: `app == "${ESC}" || app == "web"` })), expect: ACCEPTED },
  refused("newline and rule in spec.node", withDoc(wl("c", { ips: ["10.0.0.3"], node: `agent-1${NL}` }))),
  refused("escape in spec.interface", withDoc(wl("c", { ips: ["10.0.0.3"], interface: `v${ESC}` }))),
  refused("newline in a bridge", withDoc(net("br", { subnets: ["10.1.0.0/16"], bridge: "br0\n-A" }))),
  refused("escape in a CIDR", withDoc(net("n2", { subnets: [`10.1.0.0/16${ESC}`] }))),
  refused("newline in a port name", withDoc(wl("c", { ips: ["10.0.0.3"], ports: [{ name: "ht\ntp", port: 81 }] }))),
  refused("escape in apiVersion", list({ ...net(), apiVersion: `moat.dev/v1${ESC}` })),
  refused("escape in kind", list({ ...net(), kind: `Network${ESC}` })),
  refused("escape in an unknown field", list({ ...net(), [`spce${ESC}`]: 1 })),
  refused("line separator in a name", withDoc(net("a\u2028b"))),
  refused("escape in a Pod name", list({ apiVersion: "v1", kind: "Pod", metadata: { name: `p${ESC}` }, spec: { nodeName: "agent-1" }, status: { podIP: "10.9.0.1" } })),
  refused("escape in a YAML comment-looking value", `apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: "x\\e[2J"}\nspec: {subnets: [10.0.0.0/8]}\n`),

  // Wrong types and shapes.
  refused("apiVersion a number", list({ ...net(), apiVersion: 1 })),
  refused("kind a list", list({ ...net(), kind: ["Network"] })),
  refused("metadata null", list({ ...net(), metadata: null })),
  refused("metadata a string", list({ ...net(), metadata: "it" })),
  refused("spec a list", list({ ...net(), spec: [] })),
  refused("ips a string", withDoc(wl("c", { ips: "10.0.0.3" }))),
  refused("ips a number", withDoc(wl("c", { ips: [167772163] }))),
  refused("negative port", withDoc(wl("c", { ips: ["10.0.0.3"], ports: [{ name: "x", port: -1 }] }))),
  refused("order infinite", withDoc(pol("p", { order: 1e400 }))),
  refused("order a string", withDoc(pol("p", { order: "first" }))),
  refused("label value a number", withDoc(wl("c", { ips: ["10.0.0.3"] }, { labels: { app: 7 } }))),
  refused("subnets an object", withDoc(net("n2", { subnets: { a: 1 } }))),
  refused("port range reversed", withDoc(pol("p", { ingress: [{ action: "Allow", protocol: "TCP", ports: ["90:80"] }] }))),
  refused("port 70000", withDoc(pol("p", { ingress: [{ action: "Allow", protocol: "TCP", ports: [70000] }] }))),
  refused("unknown action", withDoc(pol("p", { ingress: [{ action: "Accept" }] }))),

  // Prototype pollution and odd keys.
  refused("__proto__ in metadata", `{"apiVersion":"moat.dev/v1","kind":"Network","metadata":{"name":"n","__proto__":{"admin":true}},"spec":{"subnets":["10.0.0.0/8"]}}`),
  refused("__proto__ label", `{"apiVersion":"moat.dev/v1","kind":"Namespace","metadata":{"name":"n","labels":{"__proto__":"x"}}}`),
  refused("constructor field", list({ ...net(), constructor: { prototype: {} } })),
  refused("YAML __proto__ key", "apiVersion: moat.dev/v1\nkind: Network\n__proto__: {polluted: yes}\nmetadata: {name: n}\nspec: {subnets: [10.0.0.0/8]}\n"),

  // Names.
  refused("a name of 300 characters", withDoc(net("n".repeat(300)))),
  refused("moat's prefix on its own kind", withDoc(pol("moat-all"))),
  refused("an empty name", withDoc(net(""))),
  refused("a name with a slash", withDoc(net("a/b"))),
  refused("a name with a space", withDoc(net("a b"))),
  refused("the same name twice", withDoc(wl("a", { ips: ["10.0.0.9"] }))),
  refused("an upper-case Pod name", list({ apiVersion: "v1", kind: "Pod", metadata: { name: "Web", namespace: "x" }, spec: { nodeName: "agent-1" }, status: { podIP: "10.9.0.1" } })),
  refused("an upper-case node", withDoc(wl("c", { ips: ["10.0.0.3"], node: "Agent-1" }))),
  refused("an empty node", withDoc(wl("c", { ips: ["10.0.0.3"], node: "" }))),
  {
    name: "Kubernetes names starting with moat",
    input: list(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "moat-system" } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "moat-web", namespace: "moat-system" }, spec: { nodeName: "agent-1" }, status: { podIP: "10.9.0.1" } },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "moat-deny", namespace: "moat-system" }, spec: { podSelector: {} } },
    ),
    expect: ACCEPTED,
  },

  // Kubernetes documents.
  { name: "a pod with no nodeName", input: list({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "x" }, status: { podIP: "10.9.0.1" } }), expect: NOT_ON_NODE },
  {
    name: "a pod with no address beside one placed",
    input: list(
      { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "x" }, spec: { nodeName: "agent-1" } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "q", namespace: "x" }, spec: { nodeName: "agent-1" }, status: { podIP: "10.9.0.2" } },
    ),
    expect: ACCEPTED,
  },
  refused("a pod with a bad address", list({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { nodeName: "agent-1" }, status: { podIP: "10.9.0.300" } })),
  refused("two pods on one address", list(...["p", "q"].map((name) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { nodeName: "agent-1" }, status: { podIP: "10.9.0.1" } })))),
  refused("a NetworkPolicy with a bad matchExpression", list({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p" }, spec: { podSelector: { matchExpressions: [{ key: "a", operator: "Maybe" }] } } })),
  refused("a Deployment", list({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } })),
  refused("a Pod with nodeName holding a rule", list({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { nodeName: `agent-1${NL}` }, status: { podIP: "10.9.0.1" } })),

  // Addresses.
  refused("an address outside the subnets", withDoc(wl("c", { ips: ["10.1.0.3"] }))),
  refused("overlapping subnets", withDoc(net("n2", { subnets: ["10.0.128.0/17"] }))),
  refused("an IPv6 zone", withDoc(net("n6", { subnets: ["fd00::/64"] }), wl("c", { network: "n6", ips: ["fd00::1%eth0"] }))),
  refused("leading zeros", withDoc(wl("c", { ips: ["010.0.0.3"] }))),
  refused("three octets", withDoc(wl("c", { ips: ["10.0.3"] }))),
  refused("an address twice", withDoc(wl("c", { ips: ["10.0.0.1"] }))),
  refused("a CIDR /33", withDoc(net("n2", { subnets: ["10.1.0.0/33"] }))),

  // Flags.
  { name: "--node with a typo", input: BASE, flags: { compile: ["--node", "agent1"], apply: ["--node", "agent1"] }, expect: NOT_ON_NODE },
  { name: "--node empty", input: BASE, flags: { compile: ["--node", ""], apply: ["--node", ""] }, expect: BAD_NODE },
  { name: "--node holding a rule", input: BASE, flags: { compile: ["--node", `agent-1${NL}`], apply: ["--node", `agent-1${NL}`] }, expect: BAD_NODE },
  { name: "--node with escapes", input: BASE, flags: { compile: ["--node", `agent-1${ESC}`], apply: ["--node", `agent-1${ESC}`] }, expect: BAD_NODE },
  { name: "--node upper case", input: BASE, flags: { compile: ["--node", "AGENT-1"], apply: ["--node", "AGENT-1"] }, expect: BAD_NODE },
  { name: "--node of 300 characters", input: BASE, flags: { compile: ["--node", "a".repeat(300)], apply: ["--node", "a".repeat(300)] }, expect: BAD_NODE },
  { name: "--node of another node's workloads only", input: BASE, flags: { compile: ["--node", "agent-3"], apply: ["--node", "agent-3"] }, expect: NOT_ON_NODE },
  { name: "--from with escapes", input: BASE, flags: { check: ["--from", `a${ESC}`, "--to", "b", "--port", "80"] }, expect: { ...ACCEPTED, check: 2 } },
  { name: "--to with a bidi override", input: BASE, flags: { check: ["--from", "a", "--to", "b\u202e", "--port", "80"] }, expect: { ...ACCEPTED, check: 2 } },
  { name: "--port 0", input: BASE, flags: { check: ["--from", "a", "--to", "b", "--port", "0"], matrix: ["--port", "0"] }, expect: { ...ACCEPTED, check: 2, matrix: 2 } },
  { name: "--port with a newline", input: BASE, flags: { check: ["--from", "a", "--to", "b", "--port", "80\n"], matrix: ["--port", "80\n"] }, expect: { ...ACCEPTED, check: 2, matrix: 2 } },
  { name: "--protocol unknown", input: BASE, flags: { check: ["--from", "a", "--to", "b", "--port", "80", "--protocol", `gre${ESC}`] }, expect: { ...ACCEPTED, check: 2 } },
  { name: "-o unknown", input: BASE, flags: { matrix: ["--port", "80", "-o", `xml${ESC}`], compile: ["--node", "agent-1", "-o", "xml"], apply: ["--node", "agent-1", "-o", "xml"] }, expect: { ...ACCEPTED, matrix: 2, compile: 2, apply: 2 } },
  { name: "--limit below the matrix", input: BASE, flags: { matrix: ["--port", "80", "--limit", "3"] }, expect: { ...ACCEPTED, matrix: 2 } },
  { name: "an unknown flag with escapes", input: BASE, flags: { validate: [`--evil${ESC}`], check: [`--evil${ESC}`] }, expect: { ...ACCEPTED, validate: 2, check: 2 } },

  // --allow-empty is the one way to enforce nothing.
  { name: "an empty file with apply --allow-empty", input: "", flags: { apply: ["--node", "agent-1", "--allow-empty"] }, expect: { ...REFUSED, apply: 0 }, applyChanges: true },
  { name: "a node with no workloads with apply --allow-empty", input: BASE, flags: { compile: ["--node", "agent-3"], apply: ["--node", "agent-3", "--allow-empty"] }, expect: ACCEPTED },
  { name: "--allow-empty does not make a bad node name good", input: BASE, flags: { apply: ["--node", "Agent 1", "--allow-empty"] }, expect: { ...ACCEPTED, apply: 2 } },
  refused("a key twice in JSON", '{"apiVersion": "moat.dev/v1", "kind": "Network", "metadata": {"name": "n"}, "spec": {"subnets": ["10.0.0.0/8"], "isolation": "workload", "isolation": "none"}}'),

  // Valid but unusual: accepted.
  { name: "the base manifest", input: BASE, expect: ACCEPTED, applyChanges: false },
  { name: "the base manifest as JSON", input: withDoc(), expect: ACCEPTED },
  { name: "Windows line ends", input: BASE.replaceAll("\n", "\r\n"), expect: ACCEPTED },
  { name: "a few aliases", input: `${BASE}\n---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: c, labels: &l {app: web}}\nspec: {node: agent-1, network: it, ips: [10.0.0.3]}\n`, expect: ACCEPTED },
  { name: "a long flat selector", input: withDoc(pol("p", { selector: Array.from({ length: 2000 }, (_, i) => `k${i} == "v"`).join(" || ") })), expect: ACCEPTED },
  { name: "unicode in a comment", input: `# ✓ é 中 😀\n${BASE}`, expect: ACCEPTED },
  { name: "a workload on no node", input: withDoc(wl("c", { ips: ["10.0.0.3"], node: undefined })), expect: ACCEPTED },
  { name: "only workloads elsewhere", input: list(net(), wl("b", { node: "agent-2", ips: ["10.0.0.2"] })), expect: NOT_ON_NODE },
  { name: "a document end marker", input: `${BASE}\n...\n`, expect: ACCEPTED },
];
