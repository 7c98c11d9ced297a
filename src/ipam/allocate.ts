// Allocation over the stored blocks, pure: the caller reads the blocks, calls this, and commits the one
// write it returns with the version it read; a Conflict means someone wrote the block since, so it reads
// again and asks again. Two nodes can never both hand out one address: an address is only ever given by
// a write that compares the version of the one block that holds it.
import { cidrContains, parseIp, show, type Cidr } from "../model/index.js";
import { blockOf, blocksOf, dynamicAddresses } from "./addresses.js";
import { blockKey, type Allocation, type Block, type BlockWrite, type IpamFailure, type StoredBlock } from "./types.js";

export interface AllocateRequest {
  network: string;
  /** The Network's subnets, in its order; only those of `family` are used. */
  subnets: readonly Cidr[];
  family?: 4 | 6;
  node: string;
  container: string;
  ifname: string;
  /** A fixed address (CNI_ARGS IP=, runtimeConfig.ips): any address of a subnet, its network address too. */
  ip?: string;
  /** Addresses that workloads written by hand hold: never given out. */
  taken: ReadonlySet<string>;
}

export type AllocateResult = { ok: true; ip: string; block: string; write?: BlockWrite } | IpamFailure;

const holds = (a: Allocation, container: string, ifname: string) => a.container === container && a.ifname === ifname;

export function allocate(stored: readonly StoredBlock[], req: AllocateRequest): AllocateResult {
  const mine = stored.filter((s) => s.block.network === req.network);
  const wanted = req.ip === undefined ? undefined : parseIp(req.ip);
  // ADD twice gives the same address (libcni: ADD is idempotent per container and interface).
  for (const s of mine) {
    const held = Object.entries(s.block.allocations).find(([, a]) => holds(a, req.container, req.ifname));
    if (held && (!wanted?.ok || held[0] === wanted.value.text)) return { ok: true, ip: held[0], block: s.block.cidr };
  }
  const entry: Allocation = { container: req.container, ifname: req.ifname, node: req.node };
  return req.ip ? fixed(mine, req, req.ip, entry) : dynamic(mine, req, entry);
}

function put(s: StoredBlock | undefined, fresh: Omit<Block, "allocations">, ip: string, entry: Allocation): BlockWrite {
  const block = s ? s.block : { ...fresh, allocations: {} };
  return { key: blockKey(block.network, block.cidr), expectedVersion: s?.version ?? 0, value: { ...block, allocations: { ...block.allocations, [ip]: entry } } };
}

function fixed(mine: readonly StoredBlock[], req: AllocateRequest, text: string, entry: Allocation): AllocateResult {
  const ip = parseIp(text);
  if (!ip.ok) return { ok: false, code: "invalid", message: ip.message };
  const subnet = req.subnets.find((c) => cidrContains(c, ip.value));
  if (!subnet) return { ok: false, code: "outside", message: `${show(ip.value.text)} is in none of network ${show(req.network)}'s subnets (${req.subnets.map((c) => c.text).join(", ")})` };
  const cidr = blockOf(subnet, ip.value);
  const s = mine.find((b) => b.block.cidr === cidr);
  const holder = s?.block.allocations[ip.value.text];
  if (holder) return { ok: false, code: "in-use", message: `${ip.value.text} is held by container ${holder.container} (${holder.ifname}) on node ${holder.node}` };
  if (req.taken.has(ip.value.text)) return { ok: false, code: "in-use", message: `${ip.value.text} is held by a workload of the store` };
  // A fixed address in a block nobody claimed yet claims that block for this node.
  return { ok: true, ip: ip.value.text, block: cidr, write: put(s, { network: req.network, cidr, node: req.node }, ip.value.text, entry) };
}

function dynamic(mine: readonly StoredBlock[], req: AllocateRequest, entry: Allocation): AllocateResult {
  const subnets = req.subnets.filter((c) => c.family === (req.family ?? 4));
  const free = (s: StoredBlock, subnet: Cidr) => {
    for (const ip of dynamicAddresses(s.block.cidr, subnet)) if (!s.block.allocations[ip] && !req.taken.has(ip)) return ip;
    return undefined;
  };
  const subnetOf = (cidr: string) => {
    const base = parseIp(cidr.split("/")[0]!);
    return base.ok ? subnets.find((c) => cidrContains(c, base.value)) : undefined;
  };
  const tryBlocks = (blocks: readonly StoredBlock[]): AllocateResult | undefined => {
    for (const s of blocks) {
      const subnet = subnetOf(s.block.cidr);
      const ip = subnet && free(s, subnet);
      if (ip) return { ok: true, ip, block: s.block.cidr, write: put(s, s.block, ip, entry) };
    }
    return undefined;
  };
  // 1. A block of this node: the common case, a write no other node makes.
  const own = tryBlocks(mine.filter((s) => s.block.node === req.node));
  if (own) return own;
  // 2. A block nobody claimed yet.
  const claimed = new Set(mine.map((s) => s.block.cidr));
  for (const subnet of subnets) {
    for (const cidr of blocksOf(subnet)) {
      if (claimed.has(cidr)) continue;
      const fresh: StoredBlock = { key: blockKey(req.network, cidr), version: 0, block: { network: req.network, cidr, node: req.node, allocations: {} } };
      const ip = free(fresh, subnet);
      if (ip) return { ok: true, ip, block: cidr, write: put(undefined, fresh.block, ip, entry) };
    }
  }
  // 3. Every block is claimed: borrow a free address of another node's block.
  const borrowed = tryBlocks(mine.filter((s) => s.block.node !== req.node));
  if (borrowed) return borrowed;
  return { ok: false, code: "exhausted", message: `network ${show(req.network)} has no free IPv${req.family ?? 4} address left in ${subnets.map((c) => c.text).join(", ") || "its subnets (it has none of that family)"}` };
}
