// The lab: real test hosts in network namespaces (DESIGN.md "Verification", item 3).
export { createLab, labPrefix, LabSpecInvalid, type CreateLabOptions, type Lab, type ProbeOutcome, type ProbeResult } from "./lab.js";
export { withLabInterfaces, type LabNetwork, type LabSpec } from "./spec.js";
export { planLab, type LabAddress, type LabPlan, type PlannedBridge, type PlannedNode, type PlannedWorkload } from "./plan.js";
export { cleanupLabs, listNamespaces } from "./netns.js";
export { requireKernelTools, KernelToolsMissing } from "./preflight.js";
export type { ProbeRequest } from "./probe-target.js";
export type { LabProtocol } from "./probe-agent.js";
