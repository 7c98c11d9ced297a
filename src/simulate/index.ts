export { walkPlan } from "./walk.js";
export { simulateFlow, UPLINK, type FlowResult } from "./flow.js";
export type { Packet, PassResult, Outcome, TraceStep } from "./packet.js";
