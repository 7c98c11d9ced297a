// Kubernetes' own name rules (apimachinery validation), which are stricter than moat's: the importer
// holds Kubernetes documents to them, and the exporter refuses moat names Kubernetes would reject.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Namespaces: an RFC 1123 label. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length > 63 || !DNS_LABEL.test(name)) {
    return `${JSON.stringify(name)} is not a valid name: it must be at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Pods and NetworkPolicies: an RFC 1123 subdomain. */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name.length > 253 || !name.split(".").every((part) => DNS_LABEL.test(part))) {
    return `${JSON.stringify(name)} is not a valid name: it must be at most 253 characters of lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Container port names and named ports in policies: an IANA service name. */
export function portNameProblem(name: string): string | undefined {
  const ok = name.length >= 1 && name.length <= 15 && /^[-a-z0-9]+$/.test(name) && /[a-z]/.test(name) && !name.startsWith("-") && !name.endsWith("-") && !name.includes("--");
  return ok ? undefined : `${JSON.stringify(name)} is not a valid port name: 1-15 lowercase letters, digits and '-', with at least one letter, no '--', not starting or ending with '-'`;
}

export function portNumberProblem(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : `${JSON.stringify(port)} is not a port number: it must be 1..65535`;
}
