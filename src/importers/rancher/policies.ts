// Rancher's ordered environment policy as moat Policies. DESIGN.md: one Policy over all() with the
// rules in array order and a final catch-all rule carrying defaultPolicyAction. A moat rule cannot
// narrow the destination, so a rule that does (`to`, or `between` with a selector) goes into a Policy
// of its own over that selector, ordered between its neighbours: a destination it does not select
// skips that Policy, just as the rule would not have matched. Without such rules there is one Policy.
import type { IssuePath } from "../../model/index.js";
import { resource, type Doc, type Origin } from "../emit.js";
import type { Action, RancherRule } from "./rules.js";

interface Part {
  subject: string;
  rules: Doc[];
  path: IssuePath;
}

export function environmentPolicies(name: string, rules: RancherRule[], defaultAction: Action, file: string): { docs: Doc[]; origins: Origin[] } {
  const parts: Part[] = [];
  for (const rule of rules) {
    const subject = rule.subject ?? "all()";
    const last = parts[parts.length - 1];
    if (last && last.subject === subject) last.rules.push(...ruleDocs(rule));
    else parts.push({ subject, rules: ruleDocs(rule), path: rule.path });
  }
  const last = parts[parts.length - 1];
  const catchAll = { action: defaultAction };
  if (last && last.subject === "all()") last.rules.push(catchAll);
  else parts.push({ subject: "all()", rules: [catchAll], path: ["defaultPolicyAction"] });
  const docs = parts.map((p, k) =>
    resource("Policy", { name: parts.length === 1 ? name : `${name}-${k + 1}` }, { order: 1000 + k, selector: p.subject, types: ["Ingress"], ingress: p.rules }),
  );
  return { docs, origins: parts.map((p) => ({ file, path: p.path })) };
}

/** One moat rule, or one per protocol when the Rancher rule names ports. */
function ruleDocs(rule: RancherRule): Doc[] {
  const from: Doc = {};
  if (rule.peer.selector) from.selector = rule.peer.selector;
  if (rule.peer.sameLabels) from.sameLabels = rule.peer.sameLabels;
  const base: Doc = { action: rule.action };
  if (Object.keys(from).length) base.from = from;
  if (!rule.ports) return [base];
  return (["TCP", "UDP"] as const).filter((p) => rule.ports![p].length).map((protocol) => ({ action: rule.action, protocol, ports: rule.ports![protocol], ...(base.from ? { from: base.from } : {}) }));
}
