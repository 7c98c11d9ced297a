// The shape of moat's manifests (apiVersion moat.dev/v1). Strict everywhere: an unknown field is an
// error, so a misspelled "spce" is reported instead of silently ignored. Meaning is checked in validate.ts.
import { z } from "zod";
import { ACTIONS, ALLOW_ACTIONS, BACKEND_CHOICES, DENY_ACTIONS, IDENTITY_MODES, ISOLATIONS, POLICY_TYPES, PORT_PROTOCOLS, PROTOCOLS } from "./types.js";

export const API_VERSION = "moat.dev/v1";

const stringMap = z.record(z.string(), z.string());

export const metadataSchema = z.strictObject({
  name: z.string(),
  namespace: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

const portEntry = z.union([z.number(), z.string()]);

const peerSchema = z.strictObject({
  selector: z.string().optional(),
  namespaceSelector: z.string().optional(),
  networks: z.array(z.string()).optional(),
  cidrs: z.array(z.string()).optional(),
  notCidrs: z.array(z.string()).optional(),
  sameLabels: z.array(z.string()).optional(),
});

const ruleFields = {
  action: z.enum(ACTIONS),
  protocol: z.enum(PROTOCOLS).optional(),
  ports: z.array(portEntry).optional(),
};

export const ingressRuleSchema = z.strictObject({ ...ruleFields, from: peerSchema.optional() });
export const egressRuleSchema = z.strictObject({ ...ruleFields, to: peerSchema.optional() });

const resource = <K extends string, S extends z.ZodType>(kind: K, spec: S) =>
  z.strictObject({ apiVersion: z.literal(API_VERSION), kind: z.literal(kind), metadata: metadataSchema, spec });

export const namespaceSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Namespace"),
  metadata: metadataSchema,
  spec: z.strictObject({}).optional(),
});

export const networkSchema = resource(
  "Network",
  z.strictObject({
    subnets: z.array(z.string()).min(1),
    isolation: z.enum(ISOLATIONS).default("none"),
    bridge: z.string().optional(),
  }),
);

export const workloadSchema = resource(
  "Workload",
  z.strictObject({
    node: z.string().optional(),
    network: z.string().min(1),
    ips: z.array(z.string()).min(1),
    interface: z.string().optional(),
    ports: z
      .array(z.strictObject({ name: z.string(), port: z.number(), protocol: z.enum(PORT_PROTOCOLS).default("TCP") }))
      .default([]),
  }),
);

export const policySchema = resource(
  "Policy",
  z.strictObject({
    order: z.number().default(1000),
    selector: z.string().default("all()"),
    types: z.array(z.enum(POLICY_TYPES)).optional(),
    ingress: z.array(ingressRuleSchema).optional(),
    egress: z.array(egressRuleSchema).optional(),
  }),
);

/** How often a log rule may fire: NFLOG is rate-limited so that a flood cannot fill a disk. */
export const LOG_RATE = /^[1-9]\d{0,5}\/(second|minute|hour|day)$/;

export const settingsSchema = resource(
  "Settings",
  z.strictObject({
    denyAction: z.enum(DENY_ACTIONS).default("Reject"),
    allowAction: z.enum(ALLOW_ACTIONS).default("Accept"),
    revokeEstablished: z.boolean().default(true),
    backend: z.enum(BACKEND_CHOICES).default("auto"),
    identity: z.enum(IDENTITY_MODES).default("address"),
    logDenied: z.boolean().default(false),
    logGroup: z.number().int().min(0).max(65535).default(100),
    logRate: z.string().regex(LOG_RATE, 'a rate such as "10/second" (per second, minute, hour or day)').default("10/second"),
    logBurst: z.number().int().min(1).max(10000).default(20),
  }),
);

export const KINDS = {
  Namespace: namespaceSchema,
  Network: networkSchema,
  Workload: workloadSchema,
  Policy: policySchema,
  Settings: settingsSchema,
} as const;

export type Kind = keyof typeof KINDS;
export type NamespaceDoc = z.infer<typeof namespaceSchema>;
export type NetworkDoc = z.infer<typeof networkSchema>;
export type WorkloadDoc = z.infer<typeof workloadSchema>;
export type PolicyDoc = z.infer<typeof policySchema>;
export type SettingsDoc = z.infer<typeof settingsSchema>;
export type IngressRuleDoc = z.infer<typeof ingressRuleSchema>;
export type EgressRuleDoc = z.infer<typeof egressRuleSchema>;
