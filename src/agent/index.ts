export { NodeAgent, type AgentOptions } from "./agent.js";
export { AgentMetrics } from "./metrics.js";
export { loadLastPlan, saveLastPlan, type LastPlan } from "./last-plan.js";
export { backoffMs } from "./backoff.js";
