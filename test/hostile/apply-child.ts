// Run inside the test's network namespace (ip netns exec NS node --import tsx apply-child.ts JOB):
// for each job, the rules before, `moat apply` through main() with the real runner, the rules after.
// One process for every case, so that the suite pays Node's start once. Prints one JSON line.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { main } from "../../src/cli/main.js";
import { processIo, type Io } from "../../src/cli/io.js";

interface Job {
  id: string;
  argv: string[];
  /** Re-apply this argv after the job when the job was accepted, to get back to the base rules. */
  restore: string[];
}

/** Everything moat could have changed: both families' rules, the ipsets, the nft ruleset. */
export function rules(): string {
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      return `${cmd} failed: ${(e as Error).message}`;
    }
  };
  // iptables-save prints the time in its comment lines: those are not rules.
  const save = (cmd: string) => run(cmd, []).split("\n").filter((l) => !l.startsWith("#")).join("\n");
  return [save("iptables-save"), save("ip6tables-save"), run("ipset", ["save"]), run("nft", ["list", "ruleset"])].join("\n==\n");
}

async function moat(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = { ...processIo, out: (t) => void (out += t.endsWith("\n") ? t : `${t}\n`), err: (t) => void (err += t.endsWith("\n") ? t : `${t}\n`) };
  delete io.drain;
  const code = await main(argv, io);
  return { code, out, err };
}

const jobs = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Job[];
const results = [];
for (const job of jobs) {
  const before = rules();
  const r = await moat(job.argv);
  const after = rules();
  results.push({ id: job.id, ...r, unchanged: before === after, rulesBefore: before.length });
  if (r.code === 0 && job.restore.length) {
    const back = await moat(job.restore);
    if (back.code !== 0) throw new Error(`restoring the base rules failed: ${back.err}`);
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
