import { BadRequest } from "../errors/index.js";
import { parseIp, type Ip, type Model, type Workload } from "../model/index.js";
import { pairAddresses } from "../policy/index.js";

type Endpoint = { workload: Workload } | { ip: Ip };

/** --from / --to: a workload's name (or namespace/name), or any IP address. */
export function resolveEndpoint(model: Model, text: string, flag: string): Endpoint {
  const ip = parseIp(text);
  if (ip.ok) return { ip: ip.value };
  const workload = model.workloads.find((w) => w.id === text) ?? uniqueByName(model, text, flag);
  if (!workload) throw new BadRequest(`${flag} ${JSON.stringify(text)} is neither an IP address nor a workload`);
  return { workload };
}

function uniqueByName(model: Model, name: string, flag: string): Workload | undefined {
  const found = model.workloads.filter((w) => w.name === name);
  if (found.length > 1) throw new BadRequest(`${flag} ${JSON.stringify(name)} names workloads in several namespaces: ${found.map((w) => w.id).join(", ")}`);
  return found[0];
}

/** The two addresses of a flow: for a workload, its address of the family the other end has. */
export function flowAddresses(from: Endpoint, to: Endpoint): [Ip, Ip] {
  if ("workload" in from && "workload" in to) {
    const pair = pairAddresses(from.workload, to.workload);
    if (!pair) throw new BadRequest(`${from.workload.id} and ${to.workload.id} have no address family in common`);
    return pair;
  }
  const pick = (e: Endpoint, family: 4 | 6 | undefined, flag: string): Ip => {
    if ("ip" in e) return e.ip;
    const ip = e.workload.ips.find((i) => family === undefined || i.family === family);
    if (!ip) throw new BadRequest(`${flag} ${e.workload.id} has no IPv${family} address`);
    return ip;
  };
  const src = pick(from, "ip" in to ? to.ip.family : undefined, "--from");
  const dst = pick(to, src.family, "--to");
  if (src.family !== dst.family) throw new BadRequest(`--from ${src.text} and --to ${dst.text} are of different address families`);
  return [src, dst];
}
