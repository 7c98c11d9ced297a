// Plan sets as ipsets: hash:net or hash:net,port, one per family, with ipset's own member text.
import type { Plan, PlanSet, SetMember } from "../../compile/index.js";
import { familySetName, type Family } from "../names.js";

const SET_TYPES: Record<PlanSet["kind"], string> = { address: "hash:net", "address-port": "hash:net,port" };

export interface RenderedSet {
  name: string;
  type: string;
  family: Family;
  members: string[];
}

/** ipset's hash:net refuses a /0, so the whole space is written as its two halves. */
function prefixes(cidr: string): string[] {
  if (cidr === "0.0.0.0/0") return ["0.0.0.0/1", "128.0.0.0/1"];
  if (cidr === "::/0") return ["::/1", "8000::/1"];
  return [cidr];
}

const ipsetMembers = (members: SetMember[]) =>
  [...new Set(members.flatMap((m) => prefixes(m.cidr).map((c) => (m.protocol ? `${c},${m.protocol}:${m.port}` : c))))].sort();

export function renderSets(plan: Plan): RenderedSet[] {
  return plan.sets.flatMap((s) =>
    ([4, 6] as const).map((family) => ({ name: familySetName(s.name, family), type: SET_TYPES[s.kind], family, members: ipsetMembers(family === 4 ? s.v4 : s.v6) })),
  );
}

export function ipsetCreateLine(s: RenderedSet, name = s.name): string {
  return `create ${name} ${s.type} family ${s.family === 4 ? "inet" : "inet6"} hashsize 1024 maxelem ${Math.max(65536, 2 ** Math.ceil(Math.log2(s.members.length + 1)))}`;
}

/** `ipset restore` input that creates every set of the Plan with its members. */
export function renderIpsetRestore(sets: RenderedSet[]): string {
  return sets.flatMap((s) => [ipsetCreateLine(s), ...s.members.map((m) => `add ${s.name} ${m}`)]).join("\n") + "\n";
}

/** ipset prints host prefixes bare; moat writes them with /32 and /128. Compare on one form. */
export const normalizeMember = (m: string) => m.replace(/^([^,/]+)\/(32|128)(?=,|$)/, (all, addr: string, p: string) => (p === (addr.includes(":") ? "128" : "32") ? addr : all));
