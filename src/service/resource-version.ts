// The one field the server adds to a stored manifest: metadata.resourceVersion, the revision of its last
// change (as Kubernetes names it). What the API returns may be applied again, so readers strip it.
type Manifest = Record<string, unknown>;

export function withResourceVersion(object: Manifest, revision: number): Manifest {
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  return { ...object, metadata: { ...meta, resourceVersion: String(revision) } };
}

export function withoutResourceVersion(doc: unknown): unknown {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return doc;
  const d = doc as Manifest;
  const meta = d.metadata;
  if (!meta || typeof meta !== "object" || !("resourceVersion" in meta)) return doc;
  const { resourceVersion: _, ...rest } = meta as Manifest;
  return { ...d, metadata: rest };
}
