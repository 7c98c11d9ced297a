// Collects the address sets a Plan needs, one per distinct meaning, named by a hash of that meaning so
// that a new workload changes members, never names or rules.
import type { Cidr, Ip, Workload } from "../model/index.js";
import { setName } from "./names.js";
import type { PlanSet, SetKind, SetMember } from "./plan.js";

export interface Members {
  v4: SetMember[];
  v6: SetMember[];
}

const byFamily = (items: { family: 4 | 6; member: SetMember }[]): Members => ({
  v4: items.filter((i) => i.family === 4).map((i) => i.member),
  v6: items.filter((i) => i.family === 6).map((i) => i.member),
});

export const hostText = (ip: Ip) => `${ip.text}/${ip.family === 4 ? 32 : 128}`;

/** A member as one line of text ("10.0.0.1/32", "10.0.0.1/32,tcp:80"): its identity and sort key. */
export const memberText = (m: SetMember) => (m.protocol ? `${m.cidr},${m.protocol}:${m.port}` : m.cidr);

export function workloadMembers(workloads: Workload[]): Members {
  return byFamily(workloads.flatMap((w) => w.ips.map((ip) => ({ family: ip.family, member: { cidr: hostText(ip) } }))));
}

export function cidrMembers(cidrs: Cidr[]): Members {
  return byFamily(cidrs.map((c) => ({ family: c.family, member: { cidr: c.text } })));
}

function normalized(list: SetMember[]): SetMember[] {
  const byText = new Map<string, SetMember>();
  for (const m of list) byText.set(memberText(m), m);
  return [...byText.keys()].sort().map((k) => byText.get(k)!);
}

const sameMembers = (a: SetMember[], b: SetMember[]) => a.length === b.length && a.every((m, i) => memberText(m) === memberText(b[i]!));

export class SetBook {
  private readonly sets = new Map<string, PlanSet>();

  /** Registers a set under a meaning (tag + key) and returns its name; the same meaning gives the same set. */
  add(tag: string, key: string, kind: SetKind, comment: string, members: Members): string {
    const name = setName(tag, key);
    const existing = this.sets.get(name);
    const sorted = { v4: normalized(members.v4), v6: normalized(members.v6) };
    if (existing) {
      if (existing.kind !== kind || !sameMembers(existing.v4, sorted.v4) || !sameMembers(existing.v6, sorted.v6)) {
        throw new Error(`set name collision for ${name}: ${existing.comment} vs ${comment}`);
      }
      return name;
    }
    this.sets.set(name, { name, kind, comment, ...sorted });
    return name;
  }

  all(): PlanSet[] {
    return [...this.sets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
