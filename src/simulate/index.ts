export { walkPlan } from "./walk.js";
export { simulateFlow, UPLINK, type FlowResult, type Walker } from "./flow.js";
export type { Packet, PassResult, Outcome, TraceStep } from "./packet.js";
export { parseNftText, walkNft, type NftProgram } from "./nft.js";
