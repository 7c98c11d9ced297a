// Where a lab built by `moat lab up` keeps what later commands need: its manifests, its server's URL and
// token, and one pid file per process it started outside the lab's namespaces. A crash leaves this
// folder and the namespaces (named by the lab's prefix), which is all `moat lab down` needs.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BadRequest } from "../errors/index.js";
import type { PortProbe } from "../policy/index.js";

export const DEFAULT_LAB_NAME = "default";
/** Short, and without "-": the prefix `ml-NAME-` must never be the start of another lab's prefix. */
const NAME = /^[a-z0-9]{1,8}$/;

export interface LabState {
  name: string;
  prefix: string;
  overlay: "routed" | "vxlan";
  /** "building" until `lab up` has finished; a lab in this state is left over from a crash. */
  status: "building" | "ready";
  server?: { url: string; tokenFile: string };
  /** Node name -> its namespace. */
  nodes: Record<string, string>;
  /** The ports every workload listens on, and the matrix the probes cover. */
  ports: PortProbe[];
}

export function requireLabName(name: string): string {
  if (!NAME.test(name)) throw new BadRequest(`--name ${JSON.stringify(name)} is not a lab name: 1-8 characters of [a-z0-9]`);
  return name;
}

/** Every namespace of the lab starts with it. */
export const labNamespacePrefix = (name: string) => `ml-${name}-`;

/** $MOAT_LAB_DIR (tests set it), else /run/moat/lab: gone at reboot, as the namespaces are. */
export const labsRoot = () => process.env.MOAT_LAB_DIR ?? "/run/moat/lab";

export interface LabDir {
  root: string;
  state: string;
  manifests: string;
  pids: string;
  logs: string;
  serverData: string;
  agent(node: string): string;
  /** The unix socket where the listener of the workload in this namespace takes probe requests. */
  control(netns: string): string;
}

export function labDir(name: string): LabDir {
  const root = join(labsRoot(), name);
  return {
    root,
    state: join(root, "state.json"),
    manifests: join(root, "manifests.yaml"),
    pids: join(root, "pids"),
    logs: join(root, "logs"),
    serverData: join(root, "server"),
    // Node names are validated by the model; the index keeps the folder name plain whatever they are.
    agent: (node: string) => join(root, "agents", encodeURIComponent(node)),
    control: (netns: string) => join(root, "control", `${netns}.sock`),
  };
}

export function createLabDir(dir: LabDir): void {
  for (const d of [dir.root, dir.pids, dir.logs, dir.serverData, join(dir.root, "control")]) mkdirSync(d, { recursive: true, mode: 0o700 });
}

export function writeState(dir: LabDir, state: LabState): void {
  writeFileSync(`${dir.state}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  // A rename, so that a reader never sees half a file.
  renameSync(`${dir.state}.tmp`, dir.state);
}

export function readState(dir: LabDir): LabState | undefined {
  try {
    return JSON.parse(readFileSync(dir.state, "utf8")) as LabState;
  } catch {
    return undefined;
  }
}

export function writePid(dir: LabDir, what: string, pid: number): void {
  writeFileSync(join(dir.pids, `${what}.pid`), `${pid}\n`);
}

export function readPids(dir: LabDir): { what: string; pid: number }[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir.pids).filter((n) => n.endsWith(".pid"));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const pid = Number(readFileSync(join(dir.pids, n), "utf8").trim());
    return Number.isInteger(pid) && pid > 1 ? [{ what: n.slice(0, -4), pid }] : [];
  });
}

export function removeLabDir(dir: LabDir): void {
  rmSync(dir.root, { recursive: true, force: true });
}
