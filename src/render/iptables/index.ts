import type { Plan } from "../../compile/index.js";
import type { Backend } from "../backend.js";
import { escapeText } from "./escape.js";
import { renderInstall } from "./rules.js";
import { renderIpsetRestore, renderSets } from "./sets.js";

export { escapeText } from "./escape.js";
export { renderRule, renderRuleLines, renderChainRules, renderChains, hookRule, renderInstall } from "./rules.js";
export { renderSets, ipsetCreateLine, renderIpsetRestore, normalizeMember, type RenderedSet } from "./sets.js";

export const iptablesBackend: Backend = {
  name: "iptables",
  escape: escapeText,
  renderText: (plan: Plan, rulesHash: string) =>
    ["# ipset restore", renderIpsetRestore(renderSets(plan)), "# iptables-restore --noflush", renderInstall(plan, 4, "a", rulesHash), "# ip6tables-restore --noflush", renderInstall(plan, 6, "a", rulesHash)].join("\n"),
};
