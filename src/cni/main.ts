// moat-cni's entry: reads the CNI_* environment and the config on stdin, runs the command, and prints the
// result (ADD), the versions (VERSION), nothing (DEL, CHECK, STATUS, GC), or the CNI error JSON with
// exit 1. Nothing but that JSON goes to stdout: the runtime parses it.
import { errorResult } from "./errors.js";
import { configVersion, parseEnv } from "./env.js";
import { OWN_VERSION, requireVersion, versionResult } from "./versions.js";

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
    const { parseConfig } = await import("./config.js");
    const config = parseConfig(io.stdin);
    version = config.cniVersion;
    requireVersion(version, env.command);
    // The rest (the client, the model it reaches through moat's errors, the runner) only now.
    const { runCommand } = await import("./commands.js");
    await runCommand(env, config, io);
    return 0;
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
