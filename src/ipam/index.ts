export { allocate, type AllocateRequest, type AllocateResult } from "./allocate.js";
export { release, collectGarbage } from "./release.js";
export { blockOf, blocksOf, ipText } from "./addresses.js";
export { BLOCK_PREFIX, blockKey, type Allocation, type Block, type BlockWrite, type IpamFailure, type StoredBlock } from "./types.js";
