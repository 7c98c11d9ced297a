// moat-cni's addresses, as the store keeps them: each Network subnet is cut into blocks (a /26 of IPv4,
// a /122 of IPv6, or the whole subnet when it is smaller); a node claims a block and hands out its
// addresses, as Calico's IPAM does, so most allocations write one record that only that node writes.

export interface Allocation {
  /** The CNI attachment that holds the address: CNI_CONTAINERID and CNI_IFNAME. */
  container: string;
  ifname: string;
  /** The node that asked (a block's addresses may be borrowed by another node when all blocks are taken). */
  node: string;
}

export interface Block {
  network: string;
  cidr: string;
  /** The node the block is affine to. */
  node: string;
  /** Address text -> who holds it. */
  allocations: Record<string, Allocation>;
}

export interface StoredBlock {
  key: string;
  /** The store version read, for the compare of the next write (0: not stored yet). */
  version: number;
  block: Block;
}

export interface BlockWrite {
  key: string;
  expectedVersion: number;
  value: Block | null;
}

export const BLOCK_PREFIX = { 4: 26, 6: 122 } as const;

export const blockKey = (network: string, cidr: string) => `block/${network}/${cidr}`;

export type IpamFailure = { ok: false; code: "exhausted" | "in-use" | "outside" | "invalid"; message: string };
