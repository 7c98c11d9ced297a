// The shapes of the Kubernetes documents moat reads. NetworkPolicy (networking.k8s.io/v1) is strict:
// a field the API does not define is an error, so a misspelled "podSelecter" is reported rather than
// read as "select every pod". Namespace and Pod are loose: moat reads a handful of their fields and
// ignores the rest (containers, images, probes, volumes, conditions...), as a dump from a cluster of
// any version carries many. `null` is read as absent everywhere, as the API server's decoder does.
import { z } from "zod";

export const CORE_API = "v1";
export const NETWORKING_API = "networking.k8s.io/v1";
export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
export const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;
export const POLICY_TYPES = ["Ingress", "Egress"] as const;

const labels = z.record(z.string(), z.string());
/** A field moat accepts but does not read. */
const ignored = z.unknown().optional();

/** Every field of ObjectMeta; moat reads name, namespace and labels. */
const objectMeta = z.strictObject({
  name: z.string(),
  generateName: ignored,
  namespace: z.string().nullish(),
  selfLink: ignored,
  uid: ignored,
  resourceVersion: ignored,
  generation: ignored,
  creationTimestamp: ignored,
  deletionTimestamp: ignored,
  deletionGracePeriodSeconds: ignored,
  labels: labels.nullish(),
  annotations: z.record(z.string(), z.string()).nullish(),
  ownerReferences: ignored,
  finalizers: ignored,
  managedFields: ignored,
  clusterName: ignored,
});

const looseMeta = z.looseObject({ name: z.string(), namespace: z.string().nullish(), labels: labels.nullish() });

export const labelSelectorSchema = z.strictObject({
  matchLabels: labels.nullish(),
  matchExpressions: z
    .array(z.strictObject({ key: z.string(), operator: z.enum(OPERATORS), values: z.array(z.string()).nullish() }))
    .nullish(),
});

const peerSchema = z.strictObject({
  podSelector: labelSelectorSchema.nullish(),
  namespaceSelector: labelSelectorSchema.nullish(),
  ipBlock: z.strictObject({ cidr: z.string(), except: z.array(z.string()).nullish() }).nullish(),
});

const portSchema = z.strictObject({
  protocol: z.enum(PROTOCOLS).nullish(),
  port: z.union([z.number(), z.string()]).nullish(),
  endPort: z.number().nullish(),
});

export const networkPolicySchema = z.strictObject({
  apiVersion: z.literal(NETWORKING_API),
  kind: z.literal("NetworkPolicy"),
  metadata: objectMeta,
  spec: z
    .strictObject({
      podSelector: labelSelectorSchema.nullish(),
      policyTypes: z.array(z.enum(POLICY_TYPES)).nullish(),
      ingress: z.array(z.strictObject({ from: z.array(peerSchema).nullish(), ports: z.array(portSchema).nullish() })).nullish(),
      egress: z.array(z.strictObject({ to: z.array(peerSchema).nullish(), ports: z.array(portSchema).nullish() })).nullish(),
    })
    .nullish(),
  // networking.k8s.io/v1 carried an (always empty) status from 1.24 to 1.27; dumps of that era print it.
  status: z.strictObject({ conditions: z.array(z.unknown()).nullish() }).nullish(),
});

export const namespaceSchema = z.looseObject({
  apiVersion: z.literal(CORE_API),
  kind: z.literal("Namespace"),
  metadata: looseMeta,
});

const containerSchema = z.looseObject({
  ports: z
    .array(z.looseObject({ name: z.string().nullish(), containerPort: z.number(), protocol: z.enum(PROTOCOLS).nullish() }))
    .nullish(),
});

export const podSchema = z.looseObject({
  apiVersion: z.literal(CORE_API),
  kind: z.literal("Pod"),
  metadata: looseMeta,
  spec: z
    .looseObject({
      nodeName: z.string().nullish(),
      hostNetwork: z.boolean().nullish(),
      containers: z.array(containerSchema).nullish(),
    })
    .nullish(),
  status: z
    .looseObject({
      phase: z.string().nullish(),
      podIP: z.string().nullish(),
      podIPs: z.array(z.looseObject({ ip: z.string() })).nullish(),
    })
    .nullish(),
});

export type LabelSelectorDoc = z.infer<typeof labelSelectorSchema>;
export type NetworkPolicyDoc = z.infer<typeof networkPolicySchema>;
export type PeerDoc = z.infer<typeof peerSchema>;
export type PortDoc = z.infer<typeof portSchema>;
export type NamespaceDoc = z.infer<typeof namespaceSchema>;
export type PodDoc = z.infer<typeof podSchema>;
export type KubeProtocol = (typeof PROTOCOLS)[number];
