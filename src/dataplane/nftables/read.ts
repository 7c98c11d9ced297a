// moat's nft table read back: `nft list table inet moat-a` (or moat-b) parsed into the neutral view.
import { NFT_FAMILY, nftTable, rulesHashOf, type Generation } from "../../render/index.js";
import { nftables } from "../../render/index.js";
import type { ReadBack } from "../types.js";

export interface NftTable {
  chains: Map<string, string[]>;
  sets: Map<string, { decl: string[]; elements: string[] }>;
}

/** Splits an elements list at top-level commas (concatenations hold no commas; quoted names have none). */
const splitElements = (text: string) =>
  text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);

/** A rule's counter with its figures at zero: the rules read back are compared, not what they matched. */
const zeroCounters = (rule: string) => rule.replace(/\bcounter packets \d+ bytes \d+/g, nftables.NFT_NEW_COUNTER);

export function parseNftTable(text: string): NftTable {
  const chains = new Map<string, string[]>();
  const sets = new Map<string, { decl: string[]; elements: string[] }>();
  const lines = text.split("\n").map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    const chain = /^chain (\S+) \{$/.exec(lines[i]!);
    const set = /^(?:set|map) (\S+) \{$/.exec(lines[i]!);
    if (!chain && !set) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "}"; i++) if (lines[i]) body.push(lines[i]!);
    if (chain) chains.set(chain[1]!, body.map(zeroCounters));
    else {
      const decl: string[] = [];
      let elements: string[] = [];
      for (let j = 0; j < body.length; j++) {
        const l = body[j]!;
        if (!l.startsWith("elements = {")) {
          decl.push(l);
          continue;
        }
        let all = l.slice("elements = {".length);
        while (!all.trimEnd().endsWith("}") && j + 1 < body.length) all += " " + body[++j];
        elements = splitElements(all.trimEnd().replace(/\}$/, ""));
      }
      sets.set(set![1]!, { decl, elements: elements.sort() });
    }
  }
  return { chains, sets };
}

/**
 * The neutral view of one generation's tables. `hooked`: how many of moat's inet tables hook forward
 * (two while a swap is cut short: both judge every packet).
 */
export function toReadBack(table: NftTable | undefined, bridge?: NftTable, generation: Generation = "a", hooked = table ? 1 : 0): ReadBack {
  const bridgeChains = [...(bridge?.chains ?? [])].map(([n, l]): [string, string[]] => [`bridge ${n}`, l]);
  const bridgeSets = [...(bridge?.sets ?? [])].map(([n, s]): [string, string[]] => [n, s.elements]);
  if (!table) return { backend: "nftables", hooks: { inet: { position: -1, count: 0 } }, chains: new Map(bridgeChains), sets: new Map(bridgeSets) };
  const base = table.chains.get(nftables.NFT_BASE_CHAIN);
  const hooks = !!base && base.some((l) => l.startsWith("type filter hook forward"));
  const jump = base?.find((l) => l.startsWith("jump "));
  const comment = jump && /comment "([^"]*)"/.exec(jump)?.[1];
  const hash = comment ? rulesHashOf(comment) : undefined;
  // The allowed mark set before the jump is moat's own (allowAction Accept); anything else before it moves it.
  const position = hooks && jump && base!.filter((l) => !l.startsWith("type ") && !l.startsWith(nftables.ALLOW_MARK_SET)).indexOf(jump) === 0 ? 0 : hooks && jump ? 1 : -1;
  return {
    backend: "nftables",
    hooks: { inet: { position, count: hooks && jump ? Math.max(1, hooked) : 0, ...(hooks && jump ? { generation } : {}), ...(hash ? { rulesHash: hash } : {}) } },
    chains: new Map([...[...table.chains].map(([n, l]): [string, string[]] => [`${NFT_FAMILY} ${n}`, l]), ...bridgeChains]),
    sets: new Map([...[...table.sets].map(([n, s]): [string, string[]] => [n, s.elements]), ...bridgeSets]),
  };
}

export const tableArgs = (generation: Generation, family: string = NFT_FAMILY) => ["list", "table", family, nftTable(generation)];
