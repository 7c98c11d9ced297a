export * from "./names.js";
export { BACKENDS, type Backend, type BackendName } from "./backend.js";
export * as iptables from "./iptables/index.js";
export { iptablesBackend } from "./iptables/index.js";
// Kept for callers of the first (iptables-only) layout.
export { escapeText, renderRule, renderChainRules, renderInstall, renderIpsetRestore, renderSets, hookRule, ipsetCreateLine, type RenderedSet } from "./iptables/index.js";
export * as nftables from "./nftables/index.js";
export { nftablesBackend } from "./nftables/index.js";
