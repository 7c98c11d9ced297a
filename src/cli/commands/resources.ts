// kubectl's verbs against a server: get, delete, and nodes (what each node has applied).
import { stringify } from "yaml";
import { api } from "../../client/index.js";
import type { Manifest } from "../../store/index.js";
import type { RegisterCommand } from "../context.js";
import { collect, parseOutput } from "../options.js";
import { clientOf, documentsBody, locateIssues, withServer, type ServerFlags } from "../online.js";
import { readDocuments } from "../read-model.js";
import { UsageError } from "../errors.js";
import { InvalidInput, visible } from "../../errors/index.js";
import { table } from "./table.js";

const PLURALS: Record<string, string> = {
  network: "networks", networks: "networks", net: "networks",
  workload: "workloads", workloads: "workloads", wl: "workloads",
  policy: "policies", policies: "policies", pol: "policies",
  namespace: "namespaces", namespaces: "namespaces", ns: "namespaces",
  settings: "settings", setting: "settings",
};

function pluralOf(kind: string): string {
  const plural = PLURALS[kind.toLowerCase()];
  if (!plural) throw new UsageError(`${JSON.stringify(kind)} is not a resource type; expected one of networks, workloads, policies, namespaces, settings`);
  return plural;
}

function needClient(flags: ServerFlags, verb: string) {
  const client = clientOf(flags);
  if (!client) throw new UsageError(`${verb} talks to a server: give --server URL (or set MOAT_SERVER)`);
  return client;
}

type Spec = Record<string, unknown>;
const spec = (m: Manifest) => (m.spec ?? {}) as Spec;
const meta = (m: Manifest) => m.metadata as { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
const list = (v: unknown) => (Array.isArray(v) ? v.join(",") : "");

const COLUMNS: Record<string, { head: string[]; row: (m: Manifest) => string[] }> = {
  networks: { head: ["NAME", "SUBNETS", "ISOLATION", "REVISION"], row: (m) => [meta(m).name, list(spec(m).subnets), String(spec(m).isolation ?? "none"), meta(m).resourceVersion ?? ""] },
  workloads: { head: ["NAMESPACE", "NAME", "NODE", "NETWORK", "IPS", "REVISION"], row: (m) => [meta(m).namespace ?? "", meta(m).name, String(spec(m).node ?? ""), String(spec(m).network ?? ""), list(spec(m).ips), meta(m).resourceVersion ?? ""] },
  policies: { head: ["NAMESPACE", "NAME", "ORDER", "SELECTOR", "REVISION"], row: (m) => [meta(m).namespace ?? "", meta(m).name, String(spec(m).order ?? ""), String(spec(m).selector ?? "all()"), meta(m).resourceVersion ?? ""] },
  namespaces: { head: ["NAME", "LABELS", "REVISION"], row: (m) => [meta(m).name, Object.entries(meta(m).labels ?? {}).map(([k, v]) => `${k}=${v}`).join(","), meta(m).resourceVersion ?? ""] },
  settings: { head: ["NAME", "DENY-ACTION", "REVISION"], row: (m) => [meta(m).name, String(spec(m).denyAction ?? "Reject"), meta(m).resourceVersion ?? ""] },
};

export const registerResources: RegisterCommand = (program, { io }) => {
  withServer(program.command("get").description("list resources of a kind from the server, or one by name").argument("<kind>", "networks, workloads, policies, namespaces or settings").argument("[name]"))
    .option("-n, --namespace <ns>", "only this namespace (workloads, policies)")
    .option("-o, --output <format>", "table, yaml or json", "table")
    .action(async (kind: string, name: string | undefined, opts: ServerFlags & { namespace?: string; output: string }) => {
      const output = parseOutput(opts.output, ["table", "yaml", "json"] as const);
      const plural = pluralOf(kind);
      const client = needClient(opts, "get");
      const items = name ? [await api.get(client, plural, name, opts.namespace)] : (await api.list(client, plural, opts.namespace)).items;
      if (output === "json") return io.out(JSON.stringify(name ? items[0] : { items }, null, 2));
      if (output === "yaml") return io.out(items.map((m) => stringify(m)).join("---\n"));
      if (!items.length) return io.err(`no ${plural} found${opts.namespace ? ` in namespace ${visible(opts.namespace)}` : ""}`);
      const cols = COLUMNS[plural]!;
      io.out(table([cols.head, ...items.map((m) => cols.row(m).map(visible))]));
    });

  withServer(program.command("delete").description("delete a resource by kind and name, or those the -f files name").argument("[kind]").argument("[name]"))
    .option("-f, --filename <file>", "manifests whose resources to delete; repeat for more", collect, [])
    .option("-n, --namespace <ns>", "the resource's namespace")
    .action(async (kind: string | undefined, name: string | undefined, opts: ServerFlags & { filename: string[]; namespace?: string }) => {
      const client = needClient(opts, "delete");
      if (opts.filename.length) {
        if (kind) throw new UsageError("give either KIND NAME or -f FILE, not both");
        const read = await readDocuments(io, opts.filename);
        if (read.issues.length) throw new InvalidInput(read.issues);
        const r = await api.deleteManifests(client, documentsBody(read.docs)).catch((e) => locateIssues(e, read.docs));
        for (const d of r.deleted) io.out(`${visible(d)} deleted`);
        if (!r.deleted.length) io.out("nothing to delete: none of those resources is stored");
        return;
      }
      if (!kind || !name) throw new UsageError("give KIND NAME (e.g. moat delete policy hr-to-it) or -f FILE");
      const plural = pluralOf(kind);
      const r = await api.delete(client, plural, name, opts.namespace);
      io.out(`${plural}/${visible(opts.namespace ? `${opts.namespace}/${name}` : name)} deleted (revision ${r.revision})`);
    });

  withServer(program.command("nodes").description("each node: the revision it has applied, its lag, whether it enforces the latest plan, its last error"))
    .option("-o, --output <format>", "table or json", "table")
    .action(async (opts: ServerFlags & { output: string }) => {
      const output = parseOutput(opts.output, ["table", "json"] as const);
      const r = await api.nodes(needClient(opts, "nodes"));
      if (output === "json") return io.out(JSON.stringify(r, null, 2));
      const s = (v: unknown) => (v === null || v === undefined ? "-" : visible(String(v)));
      io.out(table([["NODE", "APPLIED", "LAG", "PLAN", "IN-SYNC", "REPORTED", "ERROR"], ...r.items.map((n) => [s(n.node), s(n.revision), s(n.lag), s(n.planHash), n.inSync ? "yes" : "no", s(n.reportedAt), s(n.error)])]));
    });
};
