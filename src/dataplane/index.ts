export { applyPlan, planHash, rulesHash, type ApplyReport, type ApplyOptions } from "./apply.js";
export { resetDataplane } from "./reset.js";
export { readStatus, type DataplaneStatus } from "./status.js";
export { detectFlavor, toolsFor, type Flavor } from "./flavor.js";
export { processRunner, runOk, CommandFailed, type Runner, type RunResult } from "./runner.js";
