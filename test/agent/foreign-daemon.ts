// Starting and always stopping the foreign daemons (firewalld, dbus-daemon, dockerd, containerd) that the
// foreign-firewall tests run inside a lab node's namespace: bounded waits, SIGKILL after SIGTERM, and a
// last sweep of the node's namespace for any of them that is still there.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

/** The programs these tests start; a missing one fails the file, naming the Debian package. */
export const FOREIGN_TOOLS: [program: string, pkg: string][] = [
  ["firewalld", "firewalld"],
  ["firewall-cmd", "firewalld"],
  ["dbus-daemon", "dbus-daemon"],
  ["unshare", "util-linux"],
  ["dockerd", "docker.io"],
  ["containerd", "containerd"],
];

export function requireForeignTools(): void {
  const missing = FOREIGN_TOOLS.filter(([program]) => spawnSync("sh", ["-c", `command -v ${program}`]).status !== 0);
  if (missing.length) throw new Error(`the foreign-firewall tests need ${missing.map(([p, k]) => `${p} (apt-get install ${k})`).join(", ")}; run scripts/setup.sh as root`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whether the pid is a live process (a zombie counts as gone). */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** SIGTERM, up to graceMs for it to end, then SIGKILL and up to 2 s more. Returns how it ended. */
export async function stopPid(pid: number | undefined, graceMs = 8000): Promise<"gone" | "terminated" | "killed" | "still running"> {
  if (!alive(pid)) return "gone";
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid!, s);
    } catch {
      // Ended meanwhile.
    }
  };
  signal("SIGTERM");
  for (const deadline = Date.now() + graceMs; Date.now() < deadline; await sleep(50)) if (!alive(pid)) return "terminated";
  signal("SIGKILL");
  for (const deadline = Date.now() + 2000; Date.now() < deadline; await sleep(50)) if (!alive(pid)) return "killed";
  return "still running";
}

/** A pid written to a file by a daemon, once the file is there and holds a number. */
export function pidFromFile(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** A child started with `ip netns exec NETNS unshare -m --propagation private SCRIPT ARGS` (the script execs the daemon). */
export interface NetnsChild {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function spawnInNetns(netns: string, script: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): NetnsChild {
  const child = spawn("ip", ["netns", "exec", netns, "unshare", "-m", "--propagation", "private", script, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out = (out + d).slice(-20_000)));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Kills, by pid, any process of the given names left in the namespace (a test that failed half-way). */
export function sweepNamespace(netns: string, names: string[]): string[] {
  const r = spawnSync("ip", ["netns", "pids", netns], { encoding: "utf8" });
  if (r.status !== 0) return [];
  const killed: string[] = [];
  for (const pid of r.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number)) {
    let comm = "";
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    if (!names.includes(comm)) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(`${comm} ${pid}`);
    } catch {
      // Gone.
    }
  }
  return killed;
}
