// The validated, normalized model that every later layer reads. Built only by buildModel.
import type { Cidr, Ip } from "./ip.js";
import type { Selector } from "./selector.js";

export const ISOLATIONS = ["none", "network", "workload"] as const;
export const ACTIONS = ["Allow", "Deny", "Pass", "Log"] as const;
export const PROTOCOLS = ["TCP", "UDP", "SCTP", "ICMP"] as const;
export const PORT_PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
export const POLICY_TYPES = ["Ingress", "Egress"] as const;
export const DENY_ACTIONS = ["Reject", "Drop"] as const;
/** Accept: moat's allow ends the host's forward filtering (iptables); Return: moat only denies. */
export const ALLOW_ACTIONS = ["Accept", "Return"] as const;
export const BACKEND_CHOICES = ["auto", "nftables", "iptables"] as const;
/** address: peers are matched by their addresses; mark: by the identity their node marks their packets with. */
export const IDENTITY_MODES = ["address", "mark"] as const;

export type Isolation = (typeof ISOLATIONS)[number];
export type Action = (typeof ACTIONS)[number];
export type Protocol = (typeof PROTOCOLS)[number];
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];
export type PolicyType = (typeof POLICY_TYPES)[number];
export type DenyAction = (typeof DENY_ACTIONS)[number];

/** Workload.node of a workload that is on no node. */
export const NO_NODE = "";

export type Labels = Readonly<Record<string, string>>;

export interface SelectorRef {
  text: string;
  tree: Selector;
}

export interface Namespace {
  name: string;
  labels: Labels;
}

export interface Network {
  name: string;
  labels: Labels;
  subnets: Cidr[];
  isolation: Isolation;
  /** The Linux bridge its workloads' host ends are enslaved to on every node (bridge mode), if any. */
  bridge?: string;
}

export interface NamedPort {
  name: string;
  port: number;
  protocol: PortProtocol;
}

export interface Workload {
  /** metadata.name, or namespace/name when it has a namespace: how people and the matrix name it. */
  id: string;
  name: string;
  namespace?: string;
  /** metadata.labels plus the pseudo-labels moat.dev/name, moat.dev/network, moat.dev/node, moat.dev/namespace. */
  labels: Labels;
  /**
   * The node it runs on, or NO_NODE ("") for one that is on no node (a pod not yet scheduled, or one
   * written only for analysis): its addresses are in the sets of every node, and no node enforces it.
   */
  node: string;
  network: string;
  ips: Ip[];
  interface?: string;
  ports: NamedPort[];
}

export type PortSpec = { kind: "range"; start: number; end: number } | { kind: "named"; name: string };

export interface Peer {
  selector?: SelectorRef;
  namespaceSelector?: SelectorRef;
  networks?: string[];
  cidrs?: Cidr[];
  notCidrs?: Cidr[];
  sameLabels?: string[];
}

export interface Rule {
  action: Action;
  protocol?: Protocol;
  ports?: PortSpec[];
  peer?: Peer;
}

export interface Policy {
  /** metadata.name, or namespace/name. */
  id: string;
  name: string;
  namespace?: string;
  order: number;
  selector: SelectorRef;
  types: PolicyType[];
  ingress: Rule[];
  egress: Rule[];
}

export interface Settings {
  denyAction: DenyAction;
  allowAction: (typeof ALLOW_ACTIONS)[number];
  /** Established connections a new Plan denies are cut (conntrack entries deleted). */
  revokeEstablished: boolean;
  backend: (typeof BACKEND_CHOICES)[number];
  /** How a node recognises workloads of other nodes at ingress (mark needs the VXLAN overlay on every node). */
  identity: (typeof IDENTITY_MODES)[number];
  /** Denied new connections are logged to NFLOG group logGroup, as Log rules are, at most logRate (burst logBurst). */
  logDenied: boolean;
  logGroup: number;
  logRate: string;
  logBurst: number;
}

export interface Model {
  namespaces: Namespace[];
  networks: Network[];
  workloads: Workload[];
  /** Sorted by (order, name, id): the order in which they are evaluated. */
  policies: Policy[];
  settings: Settings;
}
