// The graph's content, from the same probes the matrix shows (POST /v1/matrix): one node per group
// (network or namespace, as the matrix groups), one edge per ordered pair of groups with some allowed
// traffic between two different workloads, labelled with the ports it is allowed on. A workload
// talking to itself is always allowed and says nothing about the policies, so it makes no edge; two
// workloads of one group do (a loop).
import { groupOf, type GroupBy, type MatrixProbe } from "./matrix-view.js";
import type { UiWorkload } from "./resources.js";

export interface GraphEdge {
  from: string;
  to: string;
  /** PORT/PROTOCOL (or the protocol alone), in port order. */
  ports: string[];
}

export interface GraphContent {
  groups: string[];
  edges: GraphEdge[];
}

export const probePort = (p: { port: number | null; protocol: string }) => (p.port === null ? p.protocol : `${p.port}/${p.protocol}`);

const byPort = (a: string, b: string) => {
  const [pa, qa] = a.split("/");
  const [pb, qb] = b.split("/");
  return (Number(pa) || Infinity) - (Number(pb) || Infinity) || String(qa ?? pa).localeCompare(String(qb ?? pb));
};

export function graphContent(workloads: UiWorkload[], probes: MatrixProbe[], by: GroupBy): GraphContent {
  const group = new Map(workloads.map((w) => [w.id, groupOf(w, by)]));
  const groups = [...new Set(group.values())].sort();
  const edges = new Map<string, GraphEdge & { set: Set<string> }>();
  for (const p of probes) {
    if (!p.allowed || p.from === p.to) continue;
    const from = group.get(p.from);
    const to = group.get(p.to);
    if (from === undefined || to === undefined) continue;
    const key = JSON.stringify([from, to]);
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { from, to, ports: [], set: new Set() }));
    e.set.add(probePort(p));
  }
  return {
    groups,
    edges: [...edges.values()]
      .map(({ from, to, set }) => ({ from, to, ports: [...set].sort(byPort) }))
      .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0)),
  };
}
