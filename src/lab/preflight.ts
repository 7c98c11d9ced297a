// Kernel tests must fail loudly, never skip, when the machine cannot run them.
import { processRunner, type Runner } from "../dataplane/index.js";

const TOOLS: ReadonlyArray<readonly [string, string[]]> = [
  ["ip", ["-V"]],
  ["iptables", ["--version"]],
  ["ip6tables", ["--version"]],
  ["ipset", ["--version"]],
  ["nft", ["--version"]],
  ["sysctl", ["--version"]],
  // The probe agents ping for ICMP probes (iputils-ping).
  ["ping", ["-V"]],
];

export class KernelToolsMissing extends Error {
  constructor(readonly problems: string[]) {
    super(`the kernel tests cannot run on this machine:\n${problems.map((p) => `  - ${p}`).join("\n")}\nRun them as root with iproute2, iptables, ipset, nftables, procps and iputils-ping installed (see .ci/run).`);
  }
}

export async function requireKernelTools(runner: Runner = processRunner()): Promise<void> {
  const problems: string[] = [];
  const uid = process.getuid?.();
  if (uid !== 0) problems.push(`not running as root (uid ${uid ?? "unknown"}); network namespaces and netfilter need root`);
  const results = await Promise.all(TOOLS.map(async ([cmd, args]) => ({ cmd, result: await runner.run(cmd, args) })));
  for (const { cmd, result } of results) {
    if (result.code !== 0) problems.push(`${cmd} is missing or broken (${cmd} ${result.code === 127 ? "not found" : `exited ${result.code}: ${result.stderr.trim()}`})`);
  }
  if (problems.length) throw new KernelToolsMissing(problems);
}
