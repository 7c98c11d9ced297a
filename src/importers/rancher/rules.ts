// One entry of a Rancher network's ordered `policy` array, as moat reads it. Rancher validates a rule
// as exactly one of `within` (stack, service, linked), `between` (groupBy and/or selector), or both
// `from` and `to` (each a selector), with `action` allow or deny. Ports ("80", "53/udp") are read on
// any rule and, unlike Rancher's manager, enforced.
import { show, type IssuePath } from "../../model/index.js";
import { brief, not, checkKnownKeys, isLabelKey, isObject, type Report } from "../emit.js";
import { SERVICE_LABEL, STACK_LABEL } from "./labels.js";
import { translateSelector } from "./selector.js";

export type Action = "Allow" | "Deny";

export interface RancherRule {
  action: Action;
  /** Which destinations the rule applies to (moat selector text); absent: every container. */
  subject?: string;
  /** Which sources it applies to. */
  peer: { selector?: string; sameLabels?: string[] };
  ports?: { TCP: number[]; UDP: number[] };
  path: IssuePath;
}

export function readAction(v: unknown, path: IssuePath, report: Report): Action | undefined {
  if (v === "allow") return "Allow";
  if (v === "deny") return "Deny";
  return void report(path, v === undefined ? "missing-field" : "invalid-action", `action must be "allow" or "deny", ${not(v)}`);
}

function failWith(report: Report) {
  return (path: IssuePath, code: string, message: string): false => {
    report(path, code, message);
    return false;
  };
}

/** Rancher's API writes an unset field as null; that is the same as leaving it out. */
export const withoutNulls = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));

/** `keys` gathers every label key the rules depend on, so a container label under one is never dropped quietly. */
export function readRule(raw: unknown, path: IssuePath, report: Report, keys: Set<string>): RancherRule | undefined {
  if (!isObject(raw)) return void report(path, "invalid-type", `a policy rule must be an object, ${not(raw)}`);
  const r = withoutNulls(raw);
  const fail = failWith(report);
  checkKnownKeys(r, ["action", "within", "between", "from", "to", "ports", "type"], path, report);
  const action = readAction(r.action, [...path, "action"], report);
  const kinds = [r.within !== undefined && "within", r.between !== undefined && "between", (r.from !== undefined || r.to !== undefined) && "from/to"].filter(Boolean);
  if (kinds.length !== 1) {
    const why = kinds.length ? `it gives ${kinds.join(" and ")}` : "it gives none";
    return void report(path, "invalid-rule", `a rule needs exactly one of "within", "between", or "from" with "to"; ${why}`);
  }
  const rule: RancherRule = { action: action ?? "Deny", peer: {}, path };
  let ok = action !== undefined;
  if (r.within !== undefined) {
    if (r.within === "stack") rule.peer.sameLabels = [STACK_LABEL];
    else if (r.within === "service") rule.peer.sameLabels = [SERVICE_LABEL];
    else if (r.within === "linked") ok = fail([...path, "within"], "unsupported", 'within "linked" depends on service links, which the network resource does not carry; moat cannot import it');
    else ok = fail([...path, "within"], "invalid-value", `within must be "stack", "service" or "linked", ${not(r.within)}`);
    for (const k of rule.peer.sameLabels ?? []) keys.add(k);
  } else if (r.between !== undefined) {
    ok = readBetween(r.between, [...path, "between"], rule, report, keys) && ok;
  } else {
    for (const end of ["from", "to"] as const) {
      const member = r[end];
      if (!isObject(member)) {
        ok = fail([...path, end], member === undefined ? "missing-field" : "invalid-type", `a rule with "from" and "to" needs both, each {"selector": "..."}; ${end} is ${member === undefined ? "missing" : brief(member)}`);
        continue;
      }
      checkKnownKeys(withoutNulls(member), ["selector", "type"], [...path, end], report);
      const selector = translateSelector(member.selector, [...path, end, "selector"], report, keys);
      if (selector === undefined) ok = false;
      else if (end === "from") rule.peer.selector = selector;
      else rule.subject = selector;
    }
  }
  if (r.ports !== undefined) {
    const ports = readPorts(r.ports, [...path, "ports"], report);
    if (ports) rule.ports = ports;
    else ok = false;
  }
  return ok ? rule : undefined;
}

/** Containers that share the groupBy label's value; with a selector, only containers it selects, on both ends. */
function readBetween(raw: unknown, path: IssuePath, rule: RancherRule, report: Report, keys: Set<string>): boolean {
  if (!isObject(raw)) return failWith(report)(path, "invalid-type", `between must be {"groupBy": "label key"} or {"selector": "..."}, ${not(raw)}`);
  const b = withoutNulls(raw);
  const fail = failWith(report);
  checkKnownKeys(b, ["groupBy", "selector", "type"], path, report);
  if (b.groupBy === undefined && b.selector === undefined) return fail(path, "missing-field", 'between needs "groupBy", "selector" or both');
  let ok = true;
  if (b.groupBy !== undefined) {
    if (typeof b.groupBy !== "string" || !isLabelKey(b.groupBy)) ok = fail([...path, "groupBy"], "invalid-label", `groupBy ${brief(b.groupBy)} is not a label key moat can use`);
    else {
      rule.peer.sameLabels = [b.groupBy];
      keys.add(b.groupBy);
    }
  }
  if (b.selector !== undefined) {
    const selector = translateSelector(b.selector, [...path, "selector"], report, keys);
    if (selector === undefined) ok = false;
    else rule.subject = rule.peer.selector = selector;
  }
  return ok;
}

/** "80" (TCP and UDP, as Rancher does not say which), "80/tcp", "53/udp". */
function readPorts(raw: unknown, path: IssuePath, report: Report): RancherRule["ports"] | undefined {
  if (!Array.isArray(raw)) return void report(path, "invalid-type", `ports must be a list such as ["80/tcp", "53/udp"], ${not(raw)}`);
  const out = { TCP: [] as number[], UDP: [] as number[] };
  let ok = true;
  raw.forEach((p, i) => {
    const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(String(p));
    const port = m ? Number(m[1]) : NaN;
    if ((typeof p !== "string" && typeof p !== "number") || !m || !(port >= 1 && port <= 65535)) {
      ok = false;
      return report([...path, i], "invalid-port", `${show(p)} is not a port: expected 1-65535, optionally with /tcp or /udp`);
    }
    for (const proto of m[2] ? [m[2].toUpperCase() as "TCP" | "UDP"] : (["TCP", "UDP"] as const)) if (!out[proto].includes(port)) out[proto].push(port);
  });
  if (ok && !raw.length) return void report(path, "invalid-port", "ports is an empty list; leave it out to mean every port");
  return ok ? out : undefined;
}
