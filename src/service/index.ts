// What the CLI, the server and the agent share: model assembly, check, matrix, node plans. No I/O here;
// the callers read files, requests or watch events and hand the texts in.
export { parseSources, assembleModel, assemble, type ParsedSources } from "./model.js";
export { runCheck, checkAnswer, type CheckRequest, type CheckAnswer, type CheckVerdict } from "./check.js";
export { matrixAnswer, matrixPorts, requireMatrixSize, MATRIX_LIMIT } from "./matrix.js";
export { nodePlan, modelNodes, type NodePlan } from "./plan.js";
export { resolveEndpoint, flowAddresses } from "./endpoints.js";
export { withResourceVersion, withoutResourceVersion } from "./resource-version.js";
export { requireNode, type NodeCheck } from "./nodes.js";
export { kernelJudge, kernelRuleCounters, readKernelNft, readKernelRules, type KernelRules } from "./kernel-rules.js";
