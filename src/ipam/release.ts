// Giving addresses back: DEL releases one attachment's, GC every attachment of a node that the runtime
// no longer lists. Blocks stay claimed when they empty, so the node's next container reuses its block.
import type { Allocation, BlockWrite, StoredBlock } from "./types.js";

function without(stored: readonly StoredBlock[], drop: (a: Allocation, s: StoredBlock) => boolean): { writes: BlockWrite[]; released: string[] } {
  const writes: BlockWrite[] = [];
  const released: string[] = [];
  for (const s of stored) {
    const kept = Object.entries(s.block.allocations).filter(([, a]) => !drop(a, s));
    const gone = Object.keys(s.block.allocations).filter((ip) => !kept.some(([k]) => k === ip));
    if (!gone.length) continue;
    released.push(...gone);
    writes.push({ key: s.key, expectedVersion: s.version, value: { ...s.block, allocations: Object.fromEntries(kept) } });
  }
  return { writes, released };
}

/** DEL: the attachment's addresses in the network; nothing (and no write) when it holds none. */
export const release = (stored: readonly StoredBlock[], network: string, container: string, ifname: string) =>
  without(stored, (a, s) => s.block.network === network && a.container === container && a.ifname === ifname);

/** GC: the addresses this node's attachments hold in the network, but for those still valid. */
export const collectGarbage = (stored: readonly StoredBlock[], network: string, node: string, valid: ReadonlyArray<{ container: string; ifname: string }>) =>
  without(stored, (a, s) => s.block.network === network && a.node === node && !valid.some((v) => v.container === a.container && v.ifname === a.ifname));
