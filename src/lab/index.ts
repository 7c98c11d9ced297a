// The lab: real hosts in network namespaces (DESIGN.md "Verification", item 3): createLab for the kernel
// tests (in-process, gone with them), and labUp/labProbe/labDown behind `moat lab` and `moat demo`.
export { createLab, labPrefix, LabSpecInvalid, type CreateLabOptions, type Lab, type ProbeOutcome, type ProbeResult } from "./lab.js";
export { withLabInterfaces, type LabNetwork, type LabSpec } from "./spec.js";
export { planLab, type LabAddress, type LabPlan, type PlannedBridge, type PlannedNode, type PlannedWorkload } from "./plan.js";
export { cleanupLabs, listNamespaces } from "./netns.js";
export { requireKernelTools, KernelToolsMissing } from "./preflight.js";
export type { ProbeRequest } from "./probe-target.js";
export type { LabProtocol } from "./probe-agent.js";
// `moat lab up | probe | down` and `moat demo`: labs that outlive the command, with a server and agents.
export { labUp, labPorts, type LabUp, type LabUpOptions } from "./up.js";
export { labProbe, readyLab, type LabProbe, type LabProbeAnswer } from "./lab-probe.js";
export { labDown, type DownReport } from "./down.js";
export { DEFAULT_LAB_NAME, labDir, labNamespacePrefix, readState, requireLabName, type LabState } from "./lab-dir.js";
export { labClient, waitForAgents } from "./control-plane.js";
