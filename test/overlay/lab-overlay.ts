// A lab whose nodes reach each other's workloads only through moat's VXLAN overlay: the lab is built
// routed, then each node's routes over the fabric are removed and the overlay executor puts moat.vx and
// its routes in their place. Namespaces carry this suite's own prefix and always go.
import { compile } from "../../src/compile/index.js";
import { applyOverlay, applyPlan, resetDataplane, runOk, type ApplyReport } from "../../src/dataplane/index.js";
import { cleanupLabs, createLab, requireKernelTools, withLabInterfaces, type Lab } from "../../src/lab/index.js";
import type { Model } from "../../src/model/index.js";
import { desiredOverlay } from "../../src/overlay/index.js";
import type { BackendName } from "../../src/render/index.js";

export const overlayPrefix = () => `mox${Math.random().toString(36).slice(2, 6).padEnd(4, "0")}-`;

/** The IPv4 destinations a node routes over moat.vx; none while its agent has not made moat.vx yet. */
export async function overlayRoutes(lab: Lab, node: string): Promise<string[]> {
  const args = ["-j", "-4", "route", "show", "dev", "moat.vx"];
  const r = await lab.nodeRunner(node).run("ip", args);
  if (r.code !== 0 && /Cannot find device "moat\.vx"/.test(r.stderr)) return [];
  if (r.code !== 0) await runOk(lab.nodeRunner(node), "ip", args);
  return (JSON.parse(r.stdout || "[]") as { dst: string }[]).map((x) => x.dst).sort();
}

export const underlaysOf = (lab: Lab) => new Map(lab.plan.nodes.map((n) => [n.name, n.fabric[4].ip]));

export async function keepOverlay(lab: Lab, model: Model) {
  const underlays = underlaysOf(lab);
  return Promise.all(lab.plan.nodes.map((n) => applyOverlay(lab.nodeRunner(n.name), desiredOverlay(model, n.name, underlays))));
}

/** keep: false leaves moat.vx to whoever keeps it (the agents under test). */
export async function createOverlayLab(model: Model, prefix = overlayPrefix(), keep = true): Promise<{ lab: Lab; model: Model; destroy: () => Promise<void> }> {
  await requireKernelTools();
  const labModel = withLabInterfaces(model);
  const lab = await createLab(labModel, { prefix, timeoutMs: 1500 });
  const destroy = async () => void (await lab.destroy().catch(() => cleanupLabs(prefix)));
  try {
    for (const n of lab.plan.nodes) {
      const batch = n.remoteRoutes.map((r) => `route del ${r.dst} via ${r.via} dev fab0\n`).join("");
      if (batch) await runOk(lab.nodeRunner(n.name), "ip", ["-batch", "-"], { input: batch });
    }
    if (keep) await keepOverlay(lab, labModel);
  } catch (e) {
    await destroy();
    throw e;
  }
  return { lab, model: labModel, destroy };
}

/** Compiles and applies the model on every node of the lab with one backend, after clearing the other. */
export async function enforceAll(lab: Lab, model: Model, backend: BackendName): Promise<ApplyReport[]> {
  const other: BackendName = backend === "iptables" ? "nftables" : "iptables";
  const out: ApplyReport[] = [];
  for (const n of lab.plan.nodes) {
    const runner = lab.nodeRunner(n.name);
    await resetDataplane(runner, { backend: other });
    out.push(await applyPlan(runner, compile(model, n.name), { backend }));
  }
  return out;
}
