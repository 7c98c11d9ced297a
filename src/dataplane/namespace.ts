// Which network namespace a runner runs in: the inode of its /proc/self/ns/net, the same number for every
// process in that namespace, whatever name `ip netns` gave it. Locks and records are keyed by it.
import type { Runner } from "./runner.js";
import { DataplaneUnavailable, unavailable } from "./tools.js";

const ids = new WeakMap<Runner, Promise<string>>();

export function namespaceId(runner: Runner): Promise<string> {
  let id = ids.get(runner);
  if (!id) {
    id = runner.run("readlink", ["/proc/self/ns/net"]).then((r) => {
      const inode = /net:\[(\d+)\]/.exec(r.stdout)?.[1];
      if (r.code !== 0) {
        const u = unavailable("readlink", r);
        if (u) throw u;
      }
      if (r.code !== 0 || !inode) throw new DataplaneUnavailable(`cannot tell which network namespace this is: readlink /proc/self/ns/net: ${r.stderr.trim() || r.stdout.trim()}`);
      return inode;
    });
    ids.set(runner, id);
  }
  return id;
}

export const stateDir = () => process.env.MOAT_STATE_DIR ?? "/var/lib/moat";
export const lockDir = () => process.env.MOAT_LOCK_DIR ?? "/run/moat";
