import { runOk, type Runner } from "./runner.js";

const KEYS = ["net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables"];

/**
 * Bridged traffic reaches iptables only when br_netfilter is loaded and bridge-nf-call-iptables is on.
 * Turns both on and says so; fails with the reason when the kernel cannot.
 */
export async function ensureBridgeNetfilter(runner: Runner): Promise<string[]> {
  const notes: string[] = [];
  for (const key of KEYS) {
    let current = await runner.run("sysctl", ["-n", key]);
    if (current.code !== 0) {
      await runner.run("modprobe", ["br_netfilter"]);
      current = await runner.run("sysctl", ["-n", key]);
      if (current.code !== 0) {
        throw new Error(`bridge mode needs br_netfilter: ${key} is not available (${current.stderr.trim()}); load the module with "modprobe br_netfilter"`);
      }
      notes.push("loaded br_netfilter");
    }
    if (current.stdout.trim() !== "1") {
      await runOk(runner, "sysctl", ["-w", `${key}=1`]);
      notes.push(`turned on ${key} so that bridged traffic passes through iptables`);
    }
  }
  return notes;
}
