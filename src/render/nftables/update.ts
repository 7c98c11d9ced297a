// An nft rendering updated by difference: when the next Plan has the rules of the last one and only set
// members changed (a workload came or went), the update is the element adds and deletes that turn the
// last rendering's sets into the next one's, found from the changed Plan sets alone. Rendering the
// whole Plan to diff its elements was 3 s at 100k workloads; this is a walk over the Plan to find what
// changed, and work in proportion to the change.
//
// Anything that would change the rendered rules gives undefined, and the caller renders in full: a
// chain that differs (but spoof, whose rules become set elements), a set that gains its first or loses
// its last member of a family (its rules come or go), a member that moves a set between hash and
// interval sets, an address whose policies make a group chain not yet there, or one that empties a
// group chain or a dispatch map. The test (test/render/nft-update.test.ts) holds it equal to a full
// rendering of the next Plan.
import type { Chain, Plan, PlanSet, SetMember } from "../../compile/index.js";
import type { Family } from "../names.js";
import { groupChainName } from "./dispatch.js";
import { bare, isHost, isIntervalSet, mergedSetName, taggedElement } from "./members.js";
import { spoofing, type DispatchIndex, type NftIndex, type RuleContext } from "./table.js";

export interface ElementChange {
  set: string;
  table?: "bridge";
  add: string[];
  remove: string[];
}

/**
 * What to remove from `had` and add to make it `want`, both sorted by `key` and without duplicates:
 * one merge walk, no hashing.
 */
export function sortedDifference<T>(had: readonly T[], want: readonly T[], key: (x: T) => string): { add: T[]; remove: T[] } {
  const add: T[] = [];
  const remove: T[] = [];
  let i = 0;
  let j = 0;
  while (i < had.length || j < want.length) {
    const a = i < had.length ? key(had[i]!) : undefined;
    const b = j < want.length ? key(want[j]!) : undefined;
    if (b === undefined || (a !== undefined && a < b)) remove.push(had[i++]!);
    else if (a === undefined || b < a) add.push(want[j++]!);
    else (i++, j++);
  }
  return { add, remove };
}

/** Equal as data (the Plan is plain JSON data): objects by their keys, arrays by their items. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The Plan's member text (compile sorts members by it): "10.0.0.1/32" or "10.0.0.1/32,tcp:80". */
const memberKey = (m: SetMember) => (m.protocol ? `${m.cidr},${m.protocol}:${m.port}` : m.cidr);
const membersOf = (s: PlanSet, f: Family) => (f === 4 ? s.v4 : s.v6);
/** Without building a key per member: most sets are unchanged, and a 100k Plan has 650k members. */
const sameMembers = (a: readonly SetMember[], b: readonly SetMember[]) =>
  a.length === b.length && a.every((m, i) => m.cidr === b[i]!.cidr && m.port === b[i]!.port && m.protocol === b[i]!.protocol);

/** Whether an address set holds this host prefix: its members are sorted by cidr. */
function holds(members: readonly SetMember[], cidr: string): boolean {
  let lo = 0;
  let hi = members.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = members[mid]!.cidr;
    if (c === cidr) return true;
    if (c < cidr) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

class Changes {
  private readonly bySet = new Map<string, ElementChange>();
  of(set: string, table?: "bridge"): ElementChange {
    let c = this.bySet.get(set);
    if (!c) this.bySet.set(set, (c = { set, ...(table ? { table } : {}), add: [], remove: [] }));
    return c;
  }
  list = () => [...this.bySet.values()].filter((c) => c.add.length || c.remove.length);
}

/** Which chains differ; undefined when any but spoof does (or they are not the same chains). */
function changedChains(a: readonly Chain[], b: readonly Chain[]): { spoof: boolean } | undefined {
  if (a.length !== b.length) return undefined;
  let spoof = false;
  for (let i = 0; i < a.length; i++) {
    const ca = a[i]!;
    const cb = b[i]!;
    if (ca === cb) continue;
    if (ca.name !== cb.name) return undefined;
    if (sameData(ca.rules, cb.rules)) continue;
    if (ca.name !== "spoof") return undefined;
    spoof = true;
  }
  return { spoof };
}

/** The next Plan's rendering as changes to the last one's elements, or undefined when its rules differ. */
export function updateNft(prev: NftIndex, next: Plan): { index: NftIndex; changes: ElementChange[] } | undefined {
  const last = prev.plan;
  if (last === next) return { index: prev, changes: [] };
  if (last.bridged !== next.bridged || !sameData(last.hooks, next.hooks) || last.sets.length !== next.sets.length) return undefined;
  const chains = changedChains(last.chains, next.chains);
  if (!chains) return undefined;
  const changes = new Changes();
  // Per family, the host prefixes added to or removed from each changed set.
  const moved = new Map<string, Record<Family, string[]>>();
  for (let i = 0; i < last.sets.length; i++) {
    const was = last.sets[i]!;
    const now = next.sets[i]!;
    if (was === now) continue;
    if (was.name !== now.name || was.kind !== now.kind) return undefined;
    for (const f of [4, 6] as const) {
      const had = membersOf(was, f);
      const want = membersOf(now, f);
      if (had === want || sameMembers(had, want)) continue;
      const { add, remove } = sortedDifference(had, want, memberKey);
      if (!add.length && !remove.length) continue;
      const at = prev.lookup(was.name, f);
      // A family's first member or last: the set's rules of that family come or go.
      if (!at || !want.length) return undefined;
      if (isIntervalSet(at.set) || mergedSetName(now.kind, want, f) !== at.set) return undefined;
      if (prev.watched.has(was.name)) return undefined;
      const c = changes.of(at.set);
      c.add.push(...add.map((m) => taggedElement(m, at.tag)));
      c.remove.push(...remove.map((m) => taggedElement(m, at.tag)));
      let m = moved.get(was.name);
      if (!m) moved.set(was.name, (m = { 4: [], 6: [] }));
      m[f].push(...add.map((x) => x.cidr), ...remove.map((x) => x.cidr));
    }
  }
  const dispatch: DispatchIndex[] = [];
  const byName = moved.size ? { last: new Map(last.sets.map((s) => [s.name, s])), next: new Map(next.sets.map((s) => [s.name, s])) } : undefined;
  for (const d of prev.dispatch) {
    const updated = byName ? updateDispatch(d, byName, moved, changes) : d;
    if (!updated) return undefined;
    dispatch.push(updated);
  }
  let spoof = prev.spoof;
  if (chains.spoof) {
    // The rules left after the anti-spoofing sets name Plan sets, whose lookups are those of the last
    // rendering (nothing above changed one); they have no port lists.
    let ports = false;
    const ctx: RuleContext = { empty: (set, f) => !prev.lookup(set, f), lookup: prev.lookup, portSet: () => ((ports = true), "") };
    spoof = spoofing(next, ctx);
    if (ports || !sameData(spoof.rules, prev.spoof.rules) || !sameData(spoof.bridge, prev.spoof.bridge) || spoof.sets.length !== prev.spoof.sets.length) return undefined;
    for (let i = 0; i < spoof.sets.length; i++) {
      const s = spoof.sets[i]!;
      const { add, remove } = sortedDifference(prev.spoof.sets[i]!.elements, s.elements, (e) => e);
      const c = changes.of(s.name, s.table);
      c.add.push(...add);
      c.remove.push(...remove);
    }
  }
  for (const c of changes.list()) {
    c.add.sort();
    c.remove.sort();
  }
  return { index: { ...prev, plan: next, spoof, dispatch }, changes: changes.list() };
}

/**
 * The map elements of the addresses that moved in or out of a stage's selector sets: each address goes
 * to the group chain of the policies that now select it (an element deleted and added again when its
 * group changes). Undefined when that takes a group chain or a map the rendering does not have.
 */
function updateDispatch(
  d: DispatchIndex,
  sets: { last: ReadonlyMap<string, PlanSet>; next: ReadonlyMap<string, PlanSet> },
  moved: ReadonlyMap<string, Record<Family, string[]>>,
  changes: Changes,
): DispatchIndex | undefined {
  const touched = d.jumps.filter((j) => moved.has(j.set));
  if (!touched.length) return d;
  const groupUse = new Map(d.groupUse);
  const familyUse = { ...d.familyUse };
  for (const f of [4, 6] as const) {
    const addrs = [...new Set(touched.flatMap((j) => moved.get(j.set)![f]))];
    if (!addrs.length) continue;
    const map = changes.of(`moat-${d.stage}-dispatch-${f}`);
    for (const addr of addrs) {
      if (!isHost(addr)) return undefined;
      const group = (byName: ReadonlyMap<string, PlanSet>) => {
        const list = d.jumps.filter((j) => holds(membersOf(byName.get(j.set)!, f), addr)).map((j) => j.chain);
        return list.length ? groupChainName(d.stage, list) : undefined;
      };
      const was = group(sets.last);
      const now = group(sets.next);
      if (was === now) continue;
      if (was) {
        map.remove.push(`${bare(addr)} : goto moat-${was}`);
        groupUse.set(was, groupUse.get(was)! - 1);
        familyUse[f]--;
      }
      if (now) {
        if (!groupUse.has(now)) return undefined;
        map.add.push(`${bare(addr)} : goto moat-${now}`);
        groupUse.set(now, groupUse.get(now)! + 1);
        familyUse[f]++;
      }
    }
    // A map that empties or that the rendering did not have: its rule goes or comes.
    if (!familyUse[f] || !d.familyUse[f]) return undefined;
  }
  for (const [, n] of groupUse) if (n <= 0) return undefined;
  return { ...d, groupUse, familyUse };
}
