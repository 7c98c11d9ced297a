// Collects the address sets a Plan needs, one per distinct meaning, named by a hash of that meaning so
// that a new workload changes members, never names or rules.
import type { Cidr, Ip, Workload } from "../model/index.js";
import { setName } from "./names.js";
import type { PlanSet, SetKind } from "./plan.js";

export interface Members {
  v4: string[];
  v6: string[];
}

const byFamily = (items: { family: 4 | 6; text: string }[]): Members => ({
  v4: items.filter((i) => i.family === 4).map((i) => i.text),
  v6: items.filter((i) => i.family === 6).map((i) => i.text),
});

export const hostText = (ip: Ip) => `${ip.text}/${ip.family === 4 ? 32 : 128}`;

export function workloadMembers(workloads: Workload[]): Members {
  return byFamily(workloads.flatMap((w) => w.ips.map((ip) => ({ family: ip.family, text: hostText(ip) }))));
}

/** ipset's hash:net refuses a /0, so the whole space is written as its two halves. */
export function cidrMembers(cidrs: Cidr[]): Members {
  return byFamily(
    cidrs.flatMap((c) => {
      if (c.prefix > 0) return [{ family: c.family, text: c.text }];
      return c.family === 4
        ? [{ family: 4 as const, text: "0.0.0.0/1" }, { family: 4 as const, text: "128.0.0.0/1" }]
        : [{ family: 6 as const, text: "::/1" }, { family: 6 as const, text: "8000::/1" }];
    }),
  );
}

export class SetBook {
  private readonly sets = new Map<string, PlanSet>();

  /** Registers a set under a meaning (tag + key) and returns its name; the same meaning gives the same set. */
  add(tag: string, key: string, kind: SetKind, comment: string, members: Members): string {
    const name = setName(tag, key);
    const existing = this.sets.get(name);
    const sorted = { v4: [...new Set(members.v4)].sort(), v6: [...new Set(members.v6)].sort() };
    if (existing) {
      if (existing.kind !== kind || existing.v4.join() !== sorted.v4.join() || existing.v6.join() !== sorted.v6.join()) {
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
