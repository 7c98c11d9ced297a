// Bad input to `moat lab` and `moat demo`: exit 2, a message naming the flag and the value, and nothing
// made (no lab folder). In-process: every check comes before the first namespace.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { processIo, type Io } from "../../src/cli/io.js";
import { LAB_DIR } from "./support.js";

process.env.MOAT_LAB_DIR = LAB_DIR;
const FILE = join(LAB_DIR, "one.yaml");
writeFileSync(FILE, "apiVersion: moat.dev/v1\nkind: Network\nmetadata: {name: n}\nspec: {subnets: [10.82.0.0/16]}\n---\napiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: w}\nspec: {network: n, ips: [10.82.0.1], ports: [{name: http, port: 80}]}\n");

async function run(args: string[]) {
  let err = "";
  const io: Io = { ...processIo, out: () => {}, err: (t) => void (err += t) };
  const code = await main(args, io);
  return { code, err };
}

describe("moat lab and demo: bad flags", () => {
  const cases: [string[], RegExp][] = [
    [["lab", "up", "-f", FILE, "--nodes", "0"], /--nodes "0" is not a whole number of at least 1/],
    [["lab", "up", "-f", FILE, "--nodes", "51"], /--nodes "51" is more than the lab builds/],
    [["lab", "up", "-f", FILE, "--overlay", "gre"], /--overlay "gre" is not an overlay; expected routed or vxlan/],
    [["lab", "up", "-f", FILE, "--port", "80/xyz"], /--port "xyz" is not a protocol/],
    [["lab", "up", "-f", FILE, "--port", "9/sctp"], /--port 9\/sctp: the lab probes TCP, UDP and ICMP only/],
    [["lab", "up", "-f", FILE, "--name", "Bad-Name"], /--name "Bad-Name" is not a lab name/],
    [["lab", "up", "--name", "x1"], /no input: give at least one -f FILE/],
    [["lab", "up", "-f", FILE, "--bogus"], /unknown option '--bogus'/],
    [["lab", "probe", "-o", "xml"], /-o "xml" is not an output format; expected one of table, json/],
    [["lab", "down", "--name", "a-b"], /--name "a-b" is not a lab name/],
    [["demo", "--name", "toolongname"], /--name "toolongname" is not a lab name/],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(" ")}: exit 2, naming the flag`, async () => {
      const r = await run(args);
      expect(r.err).toMatch(message);
      expect(r.code).toBe(2);
      expect(existsSync(join(LAB_DIR, "default"))).toBe(false);
    });
  }

  it("a manifest that does not validate: exit 2 with its issues, nothing made", async () => {
    const bad = join(LAB_DIR, "bad.yaml");
    writeFileSync(bad, "apiVersion: moat.dev/v1\nkind: Workload\nmetadata: {name: w}\nspec: {network: nowhere, ips: [10.82.0.1]}\n");
    const r = await run(["lab", "up", "-f", bad, "--name", "x2"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nowhere/);
    expect(existsSync(join(LAB_DIR, "x2"))).toBe(false);
  });
});
