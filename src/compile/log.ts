// Logging to NFLOG: what a Log rule writes, and, with Settings.spec.logDenied, every place a new
// connection is denied. Each deny site gets a small chain of its own (log, then deny) instead of a log
// rule before it, so the shapes the backends recognise (nft's dispatch map ends in one goto) stay.
import type { Settings } from "../model/index.js";
import { shortHash } from "./names.js";
import type { Chain, Origin, PlanRule, Verdict } from "./plan.js";

/** NFLOG's prefix holds 63 bytes and a NUL; the backends cut to this after escaping. */
export const LOG_PREFIX_MAX = 63;

/** "moat log web/i0": the verdict, the policy and its stage letter and rule index. */
export const logPrefix = (verdict: "log" | "deny", origin: Origin) => `moat ${verdict} ${origin.policy}/${origin.stage[0]}${origin.rule}`;

export function logVerdict(prefix: string, settings: Settings): Verdict {
  return { kind: "log", prefix, group: settings.logGroup, rate: settings.logRate, burst: settings.logBurst };
}

const DENY_CHAIN = "deny";

/** With logDenied: every rule that goes to the deny chain goes through a chain that logs first. Pure. */
export function withDenyLogging(chains: Chain[], settings: Settings): Chain[] {
  if (!settings.logDenied) return chains;
  const added = new Map<string, Chain>();
  const routed = chains.map((c): Chain => {
    if (c.name === DENY_CHAIN) return c;
    return {
      ...c,
      rules: c.rules.map((r): PlanRule => {
        if (r.verdict.kind !== "goto" || r.verdict.chain !== DENY_CHAIN) return r;
        // A policy's own Deny rule is named by it; a default (isolation, nothing decided) by its comment.
        const prefix = r.origin ? logPrefix("deny", r.origin) : `moat deny ${r.comment}`;
        const name = `ld-${shortHash(prefix)}`;
        if (!added.has(name))
          added.set(name, {
            name,
            rules: [
              { match: {}, verdict: logVerdict(prefix, settings), comment: `log ${r.comment}` },
              { match: {}, verdict: { kind: "goto", chain: DENY_CHAIN }, comment: r.comment },
            ],
          });
        return { ...r, verdict: { kind: "goto", chain: name } };
      }),
    };
  });
  const at = routed.findIndex((c) => c.name === DENY_CHAIN);
  const extra = [...added.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return at < 0 ? [...routed, ...extra] : [...routed.slice(0, at), ...extra, ...routed.slice(at)];
}
