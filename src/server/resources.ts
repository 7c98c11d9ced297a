// Resources as the API names them: a plural in the URL, a kind in the manifest, a key in the store.
import { BadRequest, NotFound } from "../errors/index.js";
import { show } from "../model/index.js";
import { withResourceVersion } from "../service/index.js";
import type { Manifest, ResourceKey, ResourceKind, StoredResource } from "../store/index.js";

export const KIND_OF_PLURAL: Record<string, ResourceKind> = {
  networks: "Network",
  workloads: "Workload",
  policies: "Policy",
  namespaces: "Namespace",
  settings: "Settings",
};

const NAMESPACED = new Set<ResourceKind>(["Workload", "Policy"]);

export function kindOfPlural(plural: string): ResourceKind {
  const kind = KIND_OF_PLURAL[plural];
  if (!kind) throw new NotFound(`no resource type ${show(plural)}; expected one of ${Object.keys(KIND_OF_PLURAL).join(", ")}`);
  return kind;
}

export function keyOf(kind: ResourceKind, name: string, namespace: string | undefined): ResourceKey {
  if (namespace && !NAMESPACED.has(kind)) throw new BadRequest(`${kind} is not namespaced; drop ?namespace=${show(namespace)}`);
  return { kind, namespace: NAMESPACED.has(kind) ? (namespace ?? "") : "", name };
}

/** The key of a validated moat manifest. */
export function manifestKey(m: Manifest): ResourceKey {
  const kind = m.kind as ResourceKind;
  const meta = m.metadata as { name: string; namespace?: string };
  return { kind, namespace: NAMESPACED.has(kind) ? (meta.namespace ?? "") : "", name: meta.name };
}

/** What clients see: the manifest, with the revision of its last change as metadata.resourceVersion. */
export const present = (r: { object: Manifest; revision: number }): Manifest => withResourceVersion(r.object, r.revision);

export const byKind = (items: StoredResource[], kind: ResourceKind, namespace?: string) =>
  items.filter((r) => r.key.kind === kind && (namespace === undefined || r.key.namespace === namespace));
