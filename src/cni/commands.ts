// ADD, DEL, CHECK, STATUS and GC once the config and environment are read: the server client, the
// process runner, and what each command prints (only ADD prints, its result in the config's version).
// The runner layer, not the dataplane's index (renderers, apply): a plugin run loads only what it runs.
import { processRunner } from "../runner/index.js";
import { add, DEFAULT_TIMEOUT_MS, type AddTimings } from "./add.js";
import { check } from "./check.js";
import { del } from "./del.js";
import { CniError, CNI_CODES } from "./errors.js";
import { gc, status, type ValidAttachment } from "./lifecycle.js";
import type { CniIo } from "./main.js";
import { serverClient } from "./server.js";
import type { NetConfig } from "./config.js";
import type { CniEnv } from "./env.js";
import { inVersion } from "./versions.js";
import { networkOf, nodeOf } from "./workload.js";

export async function runCommand(env: CniEnv, config: NetConfig, io: CniIo): Promise<void> {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const base = { client: serverClient(config, Math.min(timeoutMs, 30_000)), network: networkOf(config), node: nodeOf(config), config };
  const runner = processRunner(config.hostNetns);
  switch (env.command) {
    case "ADD": {
      const timings: AddTimings = {};
      const result = await add({ ...base, env }, runner, timings);
      if (io.env.MOAT_CNI_TIMINGS === "1") process.stderr.write(JSON.stringify({ moatCniTimings: timings }) + "\n");
      io.out(JSON.stringify(inVersion(result, config.cniVersion)));
      return;
    }
    case "DEL":
      return del({ ...base, env }, runner);
    case "CHECK":
      return check({ ...base, env }, runner);
    case "STATUS":
      return status(base);
    case "GC": {
      const valid = (config as Record<string, unknown>)["cni.dev/valid-attachments"];
      if (valid !== undefined && !Array.isArray(valid)) throw new CniError(CNI_CODES.invalidNetworkConfig, `cni.dev/valid-attachments is ${JSON.stringify(valid)}: expected a list of {containerID, ifname}`);
      await gc(base, (valid ?? []) as ValidAttachment[], runner);
      return;
    }
    case "VERSION":
      return;
  }
}
