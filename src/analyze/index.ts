// src/analyze: hand-written or read-back iptables/ipset text as a rule model; a walker and a linter on it.
// Pure: no I/O.
export { analyze, BUILTIN_CHAINS, type AnalyzeInput } from "./parse.js";
export { walkRuleset, ruleMatchesPacket, type RulesWalk, type RulesStep } from "./walk.js";
export { lintRuleset, formatFinding, ruleCovers } from "./lint.js";
export type { AnalyzedPacket } from "./packet.js";
export * from "./types.js";
export { verifyNode, nodeFlows, analyzedPacketOf, passInterfaces, iptablesJudge, nftJudge, type KernelJudge, type KernelJudgement, type VerifyReport, type VerifyDisagreement, type PassInterfaces } from "./verify.js";
export { nftPolicyRuleCounters, policyRuleCounters, type PolicyRuleCounters } from "./counters.js";
