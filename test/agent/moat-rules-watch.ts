// Watches a node's iptables (IPv4 and IPv6 filter tables) while a foreign firewall acts, to time when
// moat's rules are gone and when they are back. "Back" means what the agent promises: moat's jump is the
// first rule of FORWARD, and every moat chain that held rules before holds rules again (in whichever
// generation the jump now points at). Only a timing; enforcement itself is proven with real connections.
import type { Runner } from "../../src/dataplane/index.js";
import { sleep } from "./foreign-daemon.js";

type Family = "ipv4" | "ipv6";
const FAMILIES: Family[] = ["ipv4", "ipv6"];
const SAVE = "iptables-save -t filter; echo '#@@'; ip6tables-save -t filter";

/** Per family: the moat chain names without their generation (moat-a-eg -> eg) that hold rules. */
export type MoatShape = Record<Family, string[]>;

export interface Sample {
  /** ms since the watch started. */
  t: number;
  ok: boolean;
  why: string;
  /** The tables could not be read at that moment: neither a gap nor a proof. */
  unreadable?: boolean;
}

async function dump(runner: Runner): Promise<Record<Family, string>> {
  const r = await runner.run("sh", ["-c", SAVE]);
  const [v4 = "", v6 = ""] = r.stdout.split("#@@");
  // A dump taken while another program rewrites the tables can fail or come back cut: not a reading.
  if (r.code !== 0 || !/^\*filter$/m.test(v4) || !/^COMMIT$/m.test(v4) || !/^\*filter$/m.test(v6) || !/^COMMIT$/m.test(v6)) throw new Error(`iptables-save exit ${r.code}: ${r.stderr.trim().split("\n")[0] ?? ""}`);
  return { ipv4: v4, ipv6: v6 };
}

const firstForward = (save: string) => save.split("\n").find((l) => l.startsWith("-A FORWARD "));
const generationOf = (rule: string | undefined) => /-j moat-([ab])-fwd$/.exec(rule ?? "")?.[1];

function filled(save: string): string[] {
  return [...new Set([...save.matchAll(/^-A moat-[ab]-(\S+) /gm)].map((m) => m[1]!))].sort();
}

/** The shape of moat's rules now; throws when moat's jump is not first in a family's FORWARD. */
export async function moatShape(runner: Runner): Promise<MoatShape> {
  const saves = await dump(runner);
  const shape = { ipv4: [], ipv6: [] } as MoatShape;
  for (const f of FAMILIES) {
    if (!generationOf(firstForward(saves[f]))) {
      if (f === "ipv6" && !saves[f].includes("-j moat-")) continue;
      throw new Error(`moat's jump is not first in ${f} FORWARD:\n${saves[f]}`);
    }
    shape[f] = filled(saves[f]);
  }
  if (!shape.ipv4.length) throw new Error(`no moat chain holds rules:\n${saves.ipv4}`);
  return shape;
}

/** Whether the kernel holds the shape, with why not. */
export async function holds(runner: Runner, shape: MoatShape): Promise<{ ok: boolean; why: string; unreadable?: boolean }> {
  let saves: Record<Family, string>;
  try {
    saves = await dump(runner);
  } catch (e) {
    return { ok: false, unreadable: true, why: `cannot read: ${(e as Error).message}` };
  }
  for (const f of FAMILIES) {
    if (!shape[f].length) continue;
    const first = firstForward(saves[f]);
    const gen = generationOf(first);
    if (!gen) return { ok: false, why: `${f} FORWARD starts with ${first ?? "nothing"}` };
    const have = new Set([...saves[f].matchAll(new RegExp(`^-A moat-${gen}-(\\S+) `, "gm"))].map((m) => m[1]!));
    const empty = shape[f].filter((c) => !have.has(c));
    if (empty.length) return { ok: false, why: `${f} moat-${gen} chains without rules: ${empty.join(", ")}` };
  }
  return { ok: true, why: "" };
}

/** Samples `holds` back to back (each sample is a process in the namespace: 30-200 ms here) until stopped. */
export function watchRules(runner: Runner, shape: MoatShape) {
  const t0 = Date.now();
  const all: Sample[] = [];
  const readings = () => all.filter((s) => !s.unreadable);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const r = await holds(runner, shape);
      all.push({ t: Date.now() - t0, ...r });
      await sleep(10);
    }
  })();
  return {
    t0,
    /**
     * Ends the watch once every readable sample since this call (and since the last one that did not
     * hold) has held for `stableMs`, or after timeoutMs; gives every sample. Call it once the foreign
     * program has done what is watched: samples from before the call cannot end the watch.
     */
    async settle(stableMs = 1000, timeoutMs = 15_000): Promise<Sample[]> {
      const called = Date.now() - t0;
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const samples = readings();
        const last = samples[samples.length - 1];
        let since = samples.length - 1;
        while (since >= 0 && samples[since]!.ok) since--;
        const stableFrom = Math.max(called, since === -1 ? 0 : samples[since + 1]?.t ?? Infinity);
        if (last?.ok && last.t - stableFrom >= stableMs) break;
        await sleep(50);
      }
      stopped = true;
      await loop;
      return all;
    },
    async stop(): Promise<Sample[]> {
      stopped = true;
      await loop;
      return all;
    },
  };
}

export interface Gap {
  /** ms since the watch started: the first sample without moat's rules, and the first with them again. */
  from: number;
  to: number | null;
  why: string;
}

/** The stretches in which moat's rules were not in place. */
export function gapsOf(samples: Sample[]): Gap[] {
  const gaps: Gap[] = [];
  let open: Gap | undefined;
  for (const s of samples.filter((x) => !x.unreadable)) {
    if (!s.ok && !open) gaps.push((open = { from: s.t, to: null, why: s.why }));
    else if (s.ok && open) {
      open.to = s.t;
      open = undefined;
    }
  }
  return gaps;
}

export const describeGaps = (gaps: Gap[]) => gaps.map((g) => `${g.from}..${g.to ?? "never"} ms (${g.to === null ? "not restored" : `${g.to - g.from} ms`}; ${g.why})`).join("; ") || "none seen";
