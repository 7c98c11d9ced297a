// A two-node lab model: a routed network and a bridged one, every workload dual-stack, one workload
// without an interface (named by withLabInterfaces).
import { buildModel, formatIssue, parseDocuments, type Model } from "../../src/model/index.js";
import { withLabInterfaces, type LabSpec } from "../../src/lab/index.js";

const MANIFEST = `
apiVersion: moat.dev/v1
kind: Network
metadata: {name: routed}
spec: {subnets: [10.61.0.0/16, "fd61::/64"]}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: flat}
spec: {subnets: [10.62.0.0/24, "fd62::/64"]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: r1}
spec: {node: node-a, network: routed, ips: [10.61.0.1, "fd61::1"], interface: vr1}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: r2}
spec: {node: node-b, network: routed, ips: [10.61.1.2, "fd61::2"], interface: vr2}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: r3}
spec: {node: node-a, network: routed, ips: [10.61.0.3, "fd61::3"]}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: f1}
spec: {node: node-a, network: flat, ips: [10.62.0.1, "fd62::1"], interface: vf1}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: f2}
spec: {node: node-a, network: flat, ips: [10.62.0.2, "fd62::2"], interface: vf2}
---
apiVersion: moat.dev/v1
kind: Workload
metadata: {name: f3}
spec: {node: node-b, network: flat, ips: [10.62.0.3, "fd62::3"], interface: vf3}
`;

export function labModel(): Model {
  const { docs, issues } = parseDocuments(MANIFEST, "lab-fixture.yaml");
  const built = buildModel(docs);
  if (issues.length || !built.ok) throw new Error([...issues, ...(built.ok ? [] : built.issues)].map(formatIssue).join("\n"));
  return withLabInterfaces(built.value);
}

export function labSpec(): LabSpec {
  return { ...labModel(), bridged: ["flat"] };
}
