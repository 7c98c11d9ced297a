// `moat lab down`: everything a lab made, found again without trusting that `lab up` finished: the
// processes by their pid files (checked against /proc), the namespaces by the lab's prefix. Idempotent.
import { Unavailable } from "../errors/index.js";
import { isLabProcess, killLabProcess } from "./detached.js";
import { labDir, labNamespacePrefix, readPids, removeLabDir } from "./lab-dir.js";
import { cleanupLabs, listNamespaces } from "./netns.js";

export interface DownReport {
  killed: string[];
  namespaces: string[];
}

export async function labDown(name: string): Promise<DownReport> {
  const dir = labDir(name);
  const pids = readPids(dir);
  const killed: string[] = [];
  // Agents before the server, so none reports into a server that is going; all before the
  // namespaces, so no agent is left writing rules into one being deleted.
  const order = [...pids.filter((p) => p.what !== "server"), ...pids.filter((p) => p.what === "server")];
  for (const p of order) if (await killLabProcess(p.pid, dir.root)) killed.push(`${p.what} (pid ${p.pid})`);
  const prefix = labNamespacePrefix(name);
  const namespaces = await cleanupLabs(prefix);
  const leftPids = pids.filter((p) => isLabProcess(p.pid, dir.root));
  const leftNs = (await listNamespaces()).filter((n) => n.startsWith(prefix));
  if (leftPids.length || leftNs.length) {
    throw new Unavailable(`lab ${name} is not gone: ${[...leftPids.map((p) => `${p.what} (pid ${p.pid})`), ...leftNs.map((n) => `namespace ${n}`)].join(", ")}`);
  }
  removeLabDir(dir);
  return { killed, namespaces };
}
