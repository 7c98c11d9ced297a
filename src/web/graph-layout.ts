// Where the graph's nodes, edges and labels go: ELK's layered layout (elkjs, its bundled build, which runs
// in the page without a worker), left to right. Loaded on first use, so the other views do not pay for
// its 1.5 MB. Nodes and edges get generated ids (n0, e0); an edge label goes with its text, without which
// ELK leaves it unplaced, and with its size as the page's canvas measures it.
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import type { GraphContent, GraphEdge } from "./graph-edges.js";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedNode extends Box {
  group: string;
}

export interface PlacedEdge {
  edge: GraphEdge;
  points: { x: number; y: number }[];
  label: Box & { text: string };
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export const NODE_HEIGHT = 40;
/**
 * Past this many edges the page asks before laying out: ELK runs on the page's thread, and a dense graph
 * costs seconds (measured in node: 50 groups with 500 edges, 11 s) and reads worse than the matrix.
 */
export const ASK_ABOVE_EDGES = 300;
export const LABEL_HEIGHT = 16;
const NODE_PADDING = 28;

type Layouter = { layout(graph: ElkNode): Promise<ElkNode> };
let elk: Promise<Layouter> | undefined;

async function layouter(): Promise<Layouter> {
  elk ??= import("elkjs/lib/elk.bundled.js").then((m) => {
    // The bundled build is CommonJS: its constructor is the module (esbuild's default) or its default.
    const mod = m as unknown as { default: (new () => Layouter) | { default: new () => Layouter } };
    const Elk = typeof mod.default === "function" ? mod.default : mod.default.default;
    return new Elk();
  });
  return elk;
}

/** The edge text: its ports, comma-separated. */
export const edgeText = (e: GraphEdge) => e.ports.join(", ");

export async function layoutGraph(content: GraphContent, textWidth: (text: string) => number): Promise<GraphLayout> {
  const id = new Map(content.groups.map((g, i) => [g, `n${i}`]));
  const edges: ElkExtendedEdge[] = content.edges.map((e, i) => ({
    id: `e${i}`,
    sources: [id.get(e.from)!],
    targets: [id.get(e.to)!],
    labels: [{ id: `l${i}`, text: edgeText(e), width: textWidth(edgeText(e)) + 8, height: LABEL_HEIGHT }],
  }));
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.padding": "[top=20,left=20,bottom=20,right=20]",
      "elk.spacing.nodeNode": "48",
      "elk.layered.spacing.nodeNodeBetweenLayers": "96",
      "elk.spacing.edgeLabel": "4",
      "elk.spacing.nodeSelfLoop": "24",
      "elk.edgeLabels.placement": "CENTER",
    },
    children: content.groups.map((g) => ({ id: id.get(g)!, width: Math.max(112, textWidth(g) + NODE_PADDING), height: NODE_HEIGHT })),
    edges,
  };
  const out = await (await layouter()).layout(graph);
  const nodes = (out.children ?? []).map((n, i) => ({ group: content.groups[i]!, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 }));
  const placed = ((out.edges ?? []) as ElkExtendedEdge[]).map((e, i): PlacedEdge => {
    const s = e.sections?.[0];
    const l = e.labels?.[0];
    const edge = content.edges[i]!;
    return {
      edge,
      points: s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint] : [],
      label: { x: l?.x ?? 0, y: l?.y ?? 0, width: l?.width ?? 0, height: l?.height ?? LABEL_HEIGHT, text: edgeText(edge) },
    };
  });
  return { width: out.width ?? 0, height: out.height ?? 0, nodes, edges: placed };
}
