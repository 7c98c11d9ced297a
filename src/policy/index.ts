export { decide, ruleMatches } from "./decide.js";
export { matrix, matrixRows, matrixSize, declaredPorts, pairAddresses, type Probe, type PortProbe } from "./matrix.js";
export { selectorMatches } from "./selector.js";
export { lookup, type Lookup } from "./lookup.js";
export { describeStage } from "./explain.js";
export type { Flow, Verdict, StageResult, Cause, Stage, LogHit } from "./verdict.js";
