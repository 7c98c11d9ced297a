// One CNI network configuration file: a single plugin (.conf, .json) or a plugin list (.conflist), read
// the way libcni reads it. Only the name and the IPAM section matter to moat; a plugin's own fields
// are its business and are left alone.
import type { IssuePath } from "../../model/index.js";
import { not, isObject, type Report } from "../emit.js";
import { ipamSubnets, type IpamSubnets } from "./ipam.js";

export interface CniNetwork {
  name: string;
  subnets: IpamSubnets;
  /** Where the IPAM section is, for messages about its subnets. */
  ipamPath: IssuePath;
}

export function readCniConfig(value: unknown, file: string, report: Report): CniNetwork | undefined {
  if (!isObject(value)) return void report([], "invalid-type", `a CNI network configuration must be a JSON object, ${not(value)}`);
  const name = value.name;
  if (typeof name !== "string" || name === "") report(["name"], name === undefined ? "missing-field" : "invalid-type", `a network configuration needs a name (a non-empty string), ${not(name)}`);
  // libcni decides by extension; a .conf or .json that holds a "plugins" list is read as a list too.
  const isList = file.endsWith(".conflist") || value.plugins !== undefined;
  let ipamPath: IssuePath = ["ipam"];
  if (isList) {
    const plugins = value.plugins;
    if (!Array.isArray(plugins) || plugins.length === 0) {
      report(["plugins"], plugins === undefined ? "missing-field" : "invalid-type", `a network configuration list needs "plugins", a non-empty list, ${not(plugins)}`);
      return undefined;
    }
    plugins.forEach((p, i) => {
      if (!isObject(p) || typeof p.type !== "string" || p.type === "") report(["plugins", i, "type"], "missing-field", `every plugin needs a type (a string), ${not(isObject(p) ? p.type : p)}`);
    });
    const withIpam = plugins.findIndex((p) => isObject(p) && p.ipam !== undefined);
    ipamPath = withIpam >= 0 ? ["plugins", withIpam, "ipam"] : ["plugins", 0, "ipam"];
  } else if (typeof value.type !== "string" || value.type === "") {
    report(["type"], value.type === undefined ? "missing-field" : "invalid-type", `a network configuration needs a plugin type (a string), ${not(value.type)}`);
  }
  if (typeof name !== "string" || name === "") return undefined;
  const ipam = isList ? (value.plugins as unknown[]).map((p) => (isObject(p) ? p.ipam : undefined)).find((i) => i !== undefined) : value.ipam;
  return { name, subnets: ipamSubnets(ipam, ipamPath, report), ipamPath };
}
