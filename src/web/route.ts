// The address of a view: #/matrix?port=80/TCP, #/graph?port=80/TCP, #/nodes, #/policies?name=P, so a view can be linked.
export type ViewName = "matrix" | "graph" | "nodes" | "policies";

export interface Route {
  view: ViewName;
  params: URLSearchParams;
}

const VIEWS: ViewName[] = ["matrix", "graph", "nodes", "policies"];

export function parseRoute(hash: string): Route {
  const m = /^#\/([a-z]+)(?:\?(.*))?$/.exec(hash);
  const view = VIEWS.find((v) => v === m?.[1]) ?? "matrix";
  // '+' stays a plus: URLSearchParams would read it as a space.
  return { view, params: new URLSearchParams((m?.[2] ?? "").replace(/\+/g, "%2B")) };
}

export function routeHash(view: ViewName, params: Record<string, string | undefined> = {}): string {
  const q = Object.entries(params)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2F/g, "/")}`)
    .join("&");
  return `#/${view}${q ? `?${q}` : ""}`;
}
