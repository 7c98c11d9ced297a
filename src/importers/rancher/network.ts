// The network resource as Rancher's API returns it (GET /v2-beta/projects/<id>/networks/<id>): its
// name, subnets, defaultPolicyAction and the ordered `policy` array. The many other fields the API
// adds (links, actions, state, ...) are not moat's concern.
import { parseCidr, show, type Cidr } from "../../model/index.js";
import { not, isObject, type Report } from "../emit.js";
import { readAction, readRule, withoutNulls, type Action, type RancherRule } from "./rules.js";

/** What Rancher's managed network uses when it names no subnet. */
export const DEFAULT_SUBNET = "10.42.0.0/16";

export interface RancherNetwork {
  name: string;
  subnets: Cidr[];
  defaultAction: Action;
  rules: RancherRule[];
}

export function readNetwork(raw: unknown, report: Report, keys: Set<string>, warn: (w: string) => void): RancherNetwork | undefined {
  if (!isObject(raw)) return void report([], "invalid-type", `expected a Rancher network resource (an object), ${not(raw)}`);
  const n = withoutNulls(raw);
  if (n.type === "collection") {
    return void report(["type"], "invalid-type", "this is a collection of networks; give one network resource, as GET /v2-beta/projects/<project>/networks/<network> returns it");
  }
  if (n.type !== undefined && n.type !== "network") return void report(["type"], "invalid-type", `expected a resource of type "network", ${not(n.type)}`);
  if (typeof n.name !== "string" || n.name === "") report(["name"], n.name === undefined ? "missing-field" : "invalid-type", `the network needs a name, ${not(n.name)}`);
  // Rancher treats anything but "deny" as allow; moat refuses a value it would have to guess at.
  const defaultAction = n.defaultPolicyAction === undefined ? "Allow" : readAction(n.defaultPolicyAction, ["defaultPolicyAction"], report);
  const rules: RancherRule[] = [];
  if (n.policy !== undefined && !Array.isArray(n.policy)) report(["policy"], "invalid-type", `policy must be an ordered list of rules, ${not(n.policy)}`);
  if (Array.isArray(n.policy)) {
    n.policy.forEach((r, i) => {
      const rule = readRule(r, ["policy", i], report, keys);
      if (rule) rules.push(rule);
    });
  }
  const subnets = readSubnets(n.subnets, report, warn);
  if (typeof n.name !== "string" || n.name === "" || !defaultAction || !subnets) return undefined;
  return { name: n.name, subnets, defaultAction, rules };
}

/** Each subnet is {networkAddress, cidrSize}; networkAddress may carry its own prefix length. */
function readSubnets(raw: unknown, report: Report, warn: (w: string) => void): Cidr[] | undefined {
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) {
    warn(`the network names no subnets; using Rancher's default ${DEFAULT_SUBNET}`);
    const c = parseCidr(DEFAULT_SUBNET);
    return c.ok ? [c.value] : [];
  }
  if (!Array.isArray(raw)) return void report(["subnets"], "invalid-type", `subnets must be a list, ${not(raw)}`);
  const out: Cidr[] = [];
  let ok = true;
  raw.forEach((s, i) => {
    const address = isObject(s) ? s.networkAddress : undefined;
    const size = isObject(s) ? s.cidrSize : undefined;
    if (typeof address !== "string") {
      ok = false;
      return report(["subnets", i, "networkAddress"], "missing-field", `a subnet needs a networkAddress, ${not(address)}`);
    }
    if (!address.includes("/") && typeof size !== "number") {
      ok = false;
      return report(["subnets", i, "cidrSize"], "missing-field", `subnet ${show(address)} needs a cidrSize, ${not(size)}`);
    }
    const c = parseCidr(address.includes("/") ? address : `${address}/${size}`);
    if (!c.ok) {
      ok = false;
      return report(["subnets", i], "invalid-cidr", c.message);
    }
    out.push(c.value);
  });
  return ok ? out : undefined;
}
