// The lab's matrix as text: per port, the real connections beside the declared verdicts, then every
// disagreement on a line of its own. Pure.
import type { LabProbe } from "../../lab/index.js";

const ALLOWED = "✓";
const DENIED = "✗";
const HEAD = "from \\ to";

const portOf = (p: Pick<LabProbe, "port" | "protocol">) => (p.port === null ? p.protocol : `${p.port}/${p.protocol}`);
const mark = (allowed: boolean) => (allowed ? ALLOWED : DENIED);

export const disagreements = (probes: readonly LabProbe[]) => probes.filter((p) => p.allowed !== p.declared);

export function describeDisagreement(p: LabProbe): string {
  return `${portOf(p)} ${p.from} -> ${p.to}: real ${p.allowed ? "connected" : "blocked"} (${p.detail}), declared ${p.declared ? "allowed" : "denied"} (${p.reason})`;
}

export function labTable(probes: readonly LabProbe[]): string {
  const groups = new Map<string, LabProbe[]>();
  for (const p of probes) groups.set(portOf(p), [...(groups.get(portOf(p)) ?? []), p]);
  const out: string[] = [];
  for (const [port, list] of groups) {
    const names = [...new Set(list.flatMap((p) => [p.from, p.to]))];
    const cell = new Map(list.map((p) => [`${p.from}\0${p.to}`, p]));
    const rowHead = Math.max(HEAD.length, ...names.map((n) => n.length));
    const widths = names.map((n) => Math.max(n.length, 2));
    const grid = (pick: (p: LabProbe) => string) => (from: string) => names.map((to, i) => {
      const p = cell.get(`${from}\0${to}`);
      return (p ? pick(p) : " ").padEnd(widths[i]!);
    });
    const real = grid((p) => `${mark(p.allowed)}${p.allowed === p.declared ? "" : "!"}`);
    const declared = grid((p) => mark(p.declared));
    const header = names.map((n, i) => n.padEnd(widths[i]!)).join(" ");
    const half = header.length;
    out.push(`port ${port}  (${ALLOWED} allowed, ${DENIED} denied, ! real differs from declared; rows: from, columns: to)`);
    out.push(`${"".padEnd(rowHead)}  ${"real connections".padEnd(half)}  |  declared (decide)`);
    out.push(`${HEAD.padEnd(rowHead)}  ${header}  |  ${header}`.trimEnd());
    for (const from of names.filter((n) => list.some((p) => p.from === n))) {
      out.push(`${from.padEnd(rowHead)}  ${real(from).join(" ").padEnd(half)}  |  ${declared(from).join(" ")}`.trimEnd());
    }
    out.push("");
  }
  const wrong = disagreements(probes);
  out.push(wrong.length ? `${wrong.length} of ${probes.length} cells disagree:` : `every cell agrees: ${probes.length} real connections, each as declared`);
  for (const p of wrong) out.push(`  ${describeDisagreement(p)}`);
  return out.join("\n");
}

/** `-o json`: the matrix's probe format, `allowed` what the connection did, plus `declared`. */
export const labJson = (probes: readonly LabProbe[]) =>
  JSON.stringify({ probes: probes.map((p) => ({ from: p.from, to: p.to, port: p.port, protocol: p.protocol, allowed: p.allowed, declared: p.declared })) });
