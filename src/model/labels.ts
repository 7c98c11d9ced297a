// Kubernetes' rules for label keys and values. Holding to them means no quote, space or control
// character from a label can ever reach rule text.

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Label keys under this prefix are moat's pseudo-labels; users cannot set them. */
export const PSEUDO_PREFIX = "moat.dev/";

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key ${JSON.stringify(key)} has an invalid prefix: it must be a lowercase DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return `label key ${JSON.stringify(key)} is invalid: the name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return `label value ${JSON.stringify(value)} is invalid: it must be at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
  }
  return undefined;
}

/**
 * Resource names: like Kubernetes object names, but case is kept (Rancher and CNI names carry capitals).
 * Names starting with "moat" are kept for moat's own kinds; objects read from Kubernetes keep their
 * names (a namespace moat-system, a pod moat-web), as chains and sets are named by hashes.
 */
export function resourceNameProblem(name: string, opts: { reserved?: boolean } = {}): string | undefined {
  if (name.length === 0 || name.length > 253 || !NAME.test(name)) {
    return `name ${JSON.stringify(name)} is invalid: it must be 1-253 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit`;
  }
  if (opts.reserved !== false && name.toLowerCase().startsWith("moat")) {
    return `name ${JSON.stringify(name)} is reserved: names starting with "moat" belong to moat's own chains and sets`;
  }
  return undefined;
}

/**
 * Node names: what Kubernetes accepts for a Node (a lowercase DNS subdomain, at most 253 characters).
 * They name the host an agent runs on and are printed in rule files, so nothing else may pass.
 */
export function nodeNameProblem(name: string): string | undefined {
  if (name.length === 0) return "node name is empty";
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return `node name ${JSON.stringify(name)} is invalid: it must be a lowercase DNS subdomain (at most 253 characters of a-z, 0-9, '-' and '.', each dot-separated part starting and ending with a letter or digit)`;
  }
  return undefined;
}
