// What the Kubernetes importer needs to know of the moat documents beside it. These documents are
// validated later by buildModel; here they are only read, leniently, for names, subnets and ports.
import { API_VERSION, parseCidr, type Cidr, type SourcedDoc } from "../../model/index.js";

export interface MoatContext {
  networks: Map<string, Cidr[]>;
  namespaces: Set<string>;
  /** "name/PROTOCOL" of every named port the moat workloads declare. */
  portNames: Set<string>;
}

type Loose = { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown }; spec?: { subnets?: unknown; ports?: unknown } };

export function readMoatContext(sources: SourcedDoc[]): MoatContext {
  const ctx: MoatContext = { networks: new Map(), namespaces: new Set(), portNames: new Set() };
  for (const { doc } of sources) {
    const d = doc as Loose | null;
    if (!d || typeof d !== "object" || d.apiVersion !== API_VERSION || typeof d.metadata?.name !== "string") continue;
    const name = d.metadata.name;
    if (d.kind === "Namespace") ctx.namespaces.add(name);
    if (d.kind === "Network" && Array.isArray(d.spec?.subnets)) {
      const cidrs = d.spec.subnets.map((s: unknown) => parseCidr(s as string)).flatMap((c) => (c.ok ? [c.value] : []));
      ctx.networks.set(name, cidrs);
    }
    if (d.kind === "Workload" && Array.isArray(d.spec?.ports)) {
      for (const p of d.spec.ports as { name?: unknown; protocol?: unknown }[]) {
        if (typeof p?.name === "string") ctx.portNames.add(`${p.name}/${typeof p.protocol === "string" ? p.protocol : "TCP"}`);
      }
    }
  }
  return ctx;
}
