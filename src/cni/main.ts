// moat-cni's entry: reads the CNI_* environment and the config on stdin, runs the command, and prints the
// result (ADD), the versions (VERSION), nothing (DEL, CHECK, STATUS, GC), or the CNI error JSON with
// exit 1. Nothing but that JSON goes to stdout: the runtime parses it.
import { processRunner } from "../dataplane/index.js";
import { add, DEFAULT_TIMEOUT_MS } from "./add.js";
import { check } from "./check.js";
import { del } from "./del.js";
import { CniError, CNI_CODES, errorResult } from "./errors.js";
import { gc, status, type ValidAttachment } from "./lifecycle.js";
import { serverClient } from "./server.js";
import { configVersion, parseConfig, parseEnv } from "./spec.js";
import { inVersion, OWN_VERSION, requireVersion, versionResult } from "./versions.js";
import { networkOf, nodeOf } from "./workload.js";

export interface CniIo {
  env: NodeJS.ProcessEnv;
  stdin: string;
  out(text: string): void;
}

export async function runCni(io: CniIo): Promise<number> {
  let version = configVersion(io.stdin) ?? OWN_VERSION;
  try {
    const env = parseEnv(io.env);
    if (env.command === "VERSION") {
      io.out(JSON.stringify(versionResult(version)));
      return 0;
    }
    const config = parseConfig(io.stdin);
    version = config.cniVersion;
    requireVersion(version, env.command);
    const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const base = { client: serverClient(config, Math.min(timeoutMs, 30_000)), network: networkOf(config), node: nodeOf(config), config };
    const runner = processRunner();
    switch (env.command) {
      case "ADD":
        io.out(JSON.stringify(inVersion(await add({ ...base, env }, runner), version)));
        return 0;
      case "DEL":
        await del({ ...base, env }, runner);
        return 0;
      case "CHECK":
        await check({ ...base, env }, runner);
        return 0;
      case "STATUS":
        await status(base);
        return 0;
      case "GC": {
        const valid = (config as Record<string, unknown>)["cni.dev/valid-attachments"];
        if (valid !== undefined && !Array.isArray(valid)) throw new CniError(CNI_CODES.invalidNetworkConfig, `cni.dev/valid-attachments is ${JSON.stringify(valid)}: expected a list of {containerID, ifname}`);
        await gc(base, (valid ?? []) as ValidAttachment[]);
        return 0;
      }
    }
  } catch (e) {
    io.out(JSON.stringify(errorResult(e, version)));
    return 1;
  }
}

export async function main(): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return runCni({ env: process.env, stdin: Buffer.concat(chunks).toString("utf8"), out: (text) => process.stdout.write(text + "\n") });
}
