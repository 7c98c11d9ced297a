// The graph as SVG, drawn by lit from ELK's layout: every name and port is a text node, every colour a
// presentation attribute (the CSP refuses style attributes, and a downloaded file must look the same
// without the page's style sheet). "Download SVG" serialises the drawn element into a Blob: no script,
// no server round trip, the picture the user sees.
import { html, svg, type TemplateResult } from "lit";
import type { GraphLayout, PlacedEdge, PlacedNode } from "./graph-layout.js";

const FONT = "12px system-ui, sans-serif";
const EDGE = "#1a7f37";
const INK = "#1f2328";
const SCALE = 1.5;

let measurer: CanvasRenderingContext2D | null | undefined;

/** The width of a text in the graph's font, as the browser lays it out (a guess without a canvas). */
export function textWidth(text: string): number {
  measurer ??= document.createElement("canvas").getContext("2d");
  if (!measurer) return text.length * 7;
  measurer.font = FONT;
  return Math.ceil(measurer.measureText(text).width);
}

const pathOf = (points: { x: number; y: number }[]) => points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");

const edgeSvg = (e: PlacedEdge) => svg`<g class="edge" data-from=${e.edge.from} data-to=${e.edge.to} data-ports=${e.edge.ports.join(",")}>
    <title>${e.edge.from} → ${e.edge.to}: allowed on ${e.label.text}</title>
    <path d=${pathOf(e.points)} fill="none" stroke=${EDGE} stroke-width="1.5" marker-end="url(#moat-arrow)"></path>
    <rect x=${e.label.x} y=${e.label.y} width=${e.label.width} height=${e.label.height} rx="3" fill="#ffffff" fill-opacity="0.9"></rect>
    <text class="edge-label" x=${e.label.x + e.label.width / 2} y=${e.label.y + e.label.height / 2} text-anchor="middle" dominant-baseline="central" fill=${EDGE}>${e.label.text}</text>
  </g>`;

const nodeSvg = (n: PlacedNode) => svg`<g class="node" data-group=${n.group}>
    <title>${n.group}</title>
    <rect x=${n.x} y=${n.y} width=${n.width} height=${n.height} rx="6" fill="#f6f8fa" stroke=${INK} stroke-width="1.2"></rect>
    <text x=${n.x + n.width / 2} y=${n.y + n.height / 2} text-anchor="middle" dominant-baseline="central" fill=${INK} font-weight="600">${n.group}</text>
  </g>`;

export function graphSvg(layout: GraphLayout, title: string): TemplateResult {
  const w = Math.ceil(layout.width);
  const h = Math.ceil(layout.height);
  // Drawn half as large again as laid out: the picture is read from a screen or a ticket, not a diagram tool.
  return html`<svg class="graph" xmlns="http://www.w3.org/2000/svg" width=${Math.round(w * SCALE)} height=${Math.round(h * SCALE)} viewBox="0 0 ${w} ${h}" font-family="system-ui, sans-serif" font-size="12" role="img" aria-label=${title}>
    <title>${title}</title>
    <defs>
      <marker id="moat-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M0,0 L10,5 L0,10 z" fill=${EDGE}></path>
      </marker>
    </defs>
    <rect width=${w} height=${h} fill="#ffffff"></rect>
    ${layout.edges.map(edgeSvg)}
    ${layout.nodes.map(nodeSvg)}
  </svg>`;
}

/** The drawn SVG as a file: lit's marker comments dropped (user text is escaped, so none is a comment). */
export function svgFileText(el: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(el).replace(/<!--[^]*?-->/g, "")}\n`;
}

/** moat-graph-80-TCP-network-r7.svg: what it shows, and from which revision. */
export function graphFileName(port: string, by: string, revision: number): string {
  const what = (port || "all-ports").replace(/[^A-Za-z0-9]+/g, "-");
  return `moat-graph-${what}-${by}-r${revision}.svg`;
}

export function downloadSvg(el: SVGSVGElement, name: string): void {
  const url = URL.createObjectURL(new Blob([svgFileText(el)], { type: "image/svg+xml" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the URL by the time a second has passed; the Blob is then let go.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
