// `moat demo`: the README's first command. A 2-node lab of the DC/OS networks and the Cloud Foundry
// apps (examples/demo/lab.yaml), real connections beside the declared matrix, a policy changed through
// the API and the matrix again, then the lab removed, whatever happened (a failure, Ctrl-C).
// Exit 0 only when every cell of both matrices agreed and the change showed.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { api } from "../../client/index.js";
import { labClient, labDir, labDown, labProbe, labUp, readState, requireLabName, waitForAgents, type LabProbe } from "../../lab/index.js";
import { parseSources } from "../../service/index.js";
import type { RegisterCommand } from "../context.js";
import { EXIT } from "../errors.js";
import { interruptible } from "./lab.js";
import { disagreements, labTable } from "./lab-table.js";

const MANIFESTS = fileURLToPath(new URL("../../../examples/demo/lab.yaml", import.meta.url));

/** The change: HR may reach IT on 8080 too (the file's policy allows 80 only). */
const CHANGED_POLICY = `apiVersion: moat.dev/v1
kind: Policy
metadata: {name: hr-to-it-http}
spec:
  order: 100
  selector: moat.dev/network == "it"
  types: [Ingress]
  ingress:
    - {action: Allow, protocol: TCP, ports: [80, 8080], from: {networks: [hr]}}
    - {action: Pass}
`;

const cellKey = (p: LabProbe) => `${p.protocol}/${p.port}\0${p.from}\0${p.to}`;

/** Cells whose declared verdict changed, with what the real connections did after. */
function changes(before: LabProbe[], after: LabProbe[]): string[] {
  const old = new Map(before.map((p) => [cellKey(p), p]));
  return after.flatMap((p) => {
    const was = old.get(cellKey(p));
    if (!was || was.declared === p.declared) return [];
    const v = (b: boolean) => (b ? "allowed" : "denied");
    return [`  ${p.port}/${p.protocol} ${p.from} -> ${p.to}: declared ${v(was.declared)} -> ${v(p.declared)}; real connection ${p.allowed ? "connected" : "blocked"}${p.allowed === p.declared ? "" : "  (DISAGREES)"}`];
  });
}

export const registerDemo: RegisterCommand = (program, ctx) => {
  const { io } = ctx;
  program
    .command("demo")
    .description("build a 2-node lab (DC/OS networks, Cloud Foundry apps), prove isolation with real connections, change a policy through the API, prove it again, tear down")
    .option("--name <name>", "the lab's name (its namespaces are ml-NAME-*)", "demo")
    .action(async (opts: { name: string }) => {
      const name = requireLabName(opts.name);
      const started = Date.now();
      const say = (line: string) => io.err(line);
      say("moat demo: 2 nodes as network namespaces, a moat server, an agent per node; HR reaches IT on 80 only, appA reaches appB on 8080");
      if (readState(labDir(name))) {
        say("removing the demo lab a previous run left behind");
        await labDown(name);
      }
      let agreed = false;
      const finished = await interruptible(ctx, async (signal) => {
        try {
          const parsed = parseSources([{ name: "examples/demo/lab.yaml", text: readFileSync(MANIFESTS, "utf8") }]);
          await labUp({ name, parsed, nodes: 2, overlay: "routed", ports: [], progress: say, signal });
          say("probing every ordered pair on every port with real connections ...");
          const before = (await labProbe(name, { signal })).probes;
          io.out(`\nThe lab as built: real connections beside what the server declares\n\n${labTable(before)}\n`);

          const state = readState(labDir(name))!;
          const client = labClient(state.server!.url, state.server!.tokenFile);
          say("changing policy hr-to-it-http through the API (POST /v1/apply): HR may reach IT on 8080 too");
          const applied = await api.apply(client, CHANGED_POLICY);
          const ms = await waitForAgents(client, Object.keys(state.nodes), { timeoutMs: 30_000, signal });
          say(`both agents enforce revision ${applied.revision} ${ms} ms after the write; probing again ...`);
          const after = (await labProbe(name, { signal })).probes;
          const changed = changes(before, after);
          io.out(`After the change, ${changed.length} cells changed:\n${changed.join("\n")}\n\n${labTable(after)}\n`);
          agreed = !disagreements(before).length && !disagreements(after).length && changed.length > 0;
          return true;
        } finally {
          say("tearing down: agents, server, namespaces");
          // A failure here must not hide the one that brought us here; `moat lab down --name demo` retries.
          await labDown(name).catch((e: Error) => say(`error: the demo lab was not removed (${e.message}); run: moat lab down --name ${name}`));
        }
      });
      if (!finished) return;
      say(`moat demo ${agreed ? "passed: every cell agreed" : "FAILED: see the disagreements above"} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      if (!agreed) ctx.setExit(EXIT.denied);
    });
};
