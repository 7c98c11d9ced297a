// Makes the kernel's moat.vx, its FDB and neighbour entries and its routes what desiredOverlay says:
// reads them back with `ip -j` / `bridge -j`, lets the pure overlaySteps compute the difference, and runs
// only that. Idempotent: a second run with the same desired state runs nothing.
import { OVERLAY_DEVICE, OVERLAY_HEADROOM, overlaySteps, type DesiredOverlay, type OverlayReadBack } from "../overlay/index.js";
import { runOk, type Runner } from "./runner.js";

export interface OverlayReport {
  changed: boolean;
  summary: string[];
}

/** The MTU moat.vx gets: the underlay interface's, less VXLAN's headroom. */
async function overlayMtu(runner: Runner, underlay: string): Promise<number> {
  const addrs = JSON.parse((await runOk(runner, "ip", ["-j", "-4", "addr", "show"])).stdout || "[]") as { mtu: number; addr_info?: { local?: string }[] }[];
  const link = addrs.find((l) => l.addr_info?.some((a) => a.local === underlay));
  if (!link) throw new Error(`the underlay address ${underlay} is on no interface of this node (--underlay-address)`);
  return link.mtu - OVERLAY_HEADROOM;
}

async function readOverlay(runner: Runner): Promise<OverlayReadBack> {
  const link = await runner.run("ip", ["-j", "-d", "link", "show", "dev", OVERLAY_DEVICE]);
  if (link.code !== 0) {
    if (/does not exist/.test(link.stderr)) return { link: "", neigh: "", fdb: "", routes4: "", routes6: "" };
    await runOk(runner, "ip", ["-j", "-d", "link", "show", "dev", OVERLAY_DEVICE]);
  }
  const [neigh, fdb, routes4, routes6] = await Promise.all([
    runOk(runner, "ip", ["-j", "neigh", "show", "dev", OVERLAY_DEVICE]),
    runOk(runner, "bridge", ["-j", "fdb", "show", "dev", OVERLAY_DEVICE]),
    runOk(runner, "ip", ["-j", "-4", "route", "show", "dev", OVERLAY_DEVICE]),
    runOk(runner, "ip", ["-j", "-6", "route", "show", "dev", OVERLAY_DEVICE]),
  ]);
  return { link: link.stdout, neigh: neigh.stdout, fdb: fdb.stdout, routes4: routes4.stdout, routes6: routes6.stdout };
}

export async function applyOverlay(runner: Runner, desired: DesiredOverlay): Promise<OverlayReport> {
  const mtu = await overlayMtu(runner, desired.device.local);
  const steps = overlaySteps(desired, mtu, await readOverlay(runner));
  if (steps.ip.length) await runOk(runner, "ip", ["-batch", "-"], { input: steps.ip.join("\n") + "\n" });
  if (steps.bridge.length) await runOk(runner, "bridge", ["-batch", "-"], { input: steps.bridge.join("\n") + "\n" });
  return { changed: steps.ip.length + steps.bridge.length > 0, summary: steps.summary };
}

/** Removes moat.vx (and with it its entries and routes); nothing when it is not there. */
export async function removeOverlay(runner: Runner): Promise<boolean> {
  const r = await runner.run("ip", ["link", "del", OVERLAY_DEVICE]);
  if (r.code === 0) return true;
  if (/Cannot find device|does not exist/.test(r.stderr)) return false;
  return (await runOk(runner, "ip", ["link", "del", OVERLAY_DEVICE])).code === 0;
}
