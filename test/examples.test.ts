// The seeds' own scenarios (examples/*.yaml), each with its full matrix written by hand from the seed's
// intent, run through `moat matrix -o json` on the real file. A row is a source, its marks the
// destinations in the order given: ✓ allowed, ✗ denied.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { Io } from "../src/cli/io.js";

const root = fileURLToPath(new URL("..", import.meta.url));

type Grid = Record<string, string>;

async function matrixOf(file: string, ports: string[] = []): Promise<Record<string, Grid>> {
  let out = "";
  let err = "";
  const io: Io = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readFile: (path) => readFile(`${root}/${path}`, "utf8"),
    readStdin: async () => "",
  };
  const code = await main(["matrix", "-f", `examples/${file}`, ...ports.flatMap((p) => ["--port", p]), "-o", "json"], io);
  expect(err).toBe("");
  expect(code).toBe(0);
  const grids: Record<string, Grid> = {};
  for (const p of JSON.parse(out).probes as { from: string; to: string; port: number | null; protocol: string; allowed: boolean }[]) {
    const grid = (grids[p.port === null ? p.protocol : `${p.port}/${p.protocol}`] ??= {});
    grid[p.from] = (grid[p.from] ?? "") + (p.allowed ? "✓" : "✗");
  }
  return grids;
}

/** The same grid on each of several ports. */
const onPorts = (ports: string[], grid: Grid) => Object.fromEntries(ports.map((p) => [p, grid]));

describe("examples: the seeds' scenarios, full matrices", () => {
  it("DC/OS overlays (000): IT and HR each let in only their own; HR reaches IT on TCP 80 only; IT never reaches HR", async () => {
    //                       it-1 it-2 hr-1 hr-2
    const onlyOwn = { "it-1": "✓✓✗✗", "it-2": "✓✓✗✗", "hr-1": "✗✗✓✓", "hr-2": "✗✗✓✓" };
    expect(await matrixOf("dcos-overlays.yaml")).toEqual({
      "80/TCP": { "it-1": "✓✓✗✗", "it-2": "✓✓✗✗", "hr-1": "✓✓✓✓", "hr-2": "✓✓✓✓" },
      "8080/TCP": onlyOwn,
    });
    expect(await matrixOf("dcos-overlays.yaml", ["80/udp", "81", "443", "icmp"])).toEqual(onPorts(["80/UDP", "81/TCP", "443/TCP", "ICMP"], onlyOwn));
  });

  it("same-bridge isolation (001): members of one bridge network cannot reach each other; everyone else reaches them", async () => {
    //                                 vm-1 vm-2 vm-3 admin-1
    const grid = { "vm-1": "✓✗✗✓", "vm-2": "✗✓✗✓", "vm-3": "✗✗✓✓", "admin-1": "✓✓✓✓" };
    expect(await matrixOf("bridge-isolation.yaml")).toEqual({ "22/TCP": grid });
    expect(await matrixOf("bridge-isolation.yaml", ["80", "53/udp", "icmp"])).toEqual(onPorts(["80/TCP", "53/UDP", "ICMP"], grid));
  });

  it("Calico with rkt (002): each network reaches itself only; 192.168.0.0 is a valid workload in a /24", async () => {
    //                            httpd wget-1 wget-2
    const grid = { "busybox-httpd": "✓✓✗", "busybox-wget-1": "✓✓✗", "busybox-wget-2": "✗✗✓" };
    expect(await matrixOf("calico-rkt.yaml")).toEqual({ "80/TCP": grid });
    expect(await matrixOf("calico-rkt.yaml", ["443", "icmp"])).toEqual(onPorts(["443/TCP", "ICMP"], grid));
  });

  it("Cloud Foundry c2c (003): nothing by default; appA reaches appB on TCP 8080 only", async () => {
    //                     appA-0 appB-0 appB-1
    expect(await matrixOf("cloudfoundry-c2c.yaml")).toEqual({
      "8080/TCP": { "appA-0": "✓✓✓", "appB-0": "✗✓✗", "appB-1": "✗✗✓" },
    });
    const nothing = { "appA-0": "✓✗✗", "appB-0": "✗✓✗", "appB-1": "✗✗✓" };
    expect(await matrixOf("cloudfoundry-c2c.yaml", ["8081", "8080/udp", "icmp"])).toEqual(onPorts(["8081/TCP", "8080/UDP", "ICMP"], nothing));
  });

  // Workloads, in order: stack_one/service_one..three, stack_two/service_one..two, stack_three/service_one..two.
  it("Rancher stack isolation (004): default deny, within: stack allow", async () => {
    const grid = {
      "stack-one-service-one": "✓✓✓✗✗✗✗",
      "stack-one-service-two": "✓✓✓✗✗✗✗",
      "stack-one-service-three": "✓✓✓✗✗✗✗",
      "stack-two-service-one": "✗✗✗✓✓✗✗",
      "stack-two-service-two": "✗✗✗✓✓✗✗",
      "stack-three-service-one": "✗✗✗✗✗✓✓",
      "stack-three-service-two": "✗✗✗✗✗✓✓",
    };
    expect(await matrixOf("rancher-stack-isolation.yaml")).toEqual({ "80/TCP": grid });
    expect(await matrixOf("rancher-stack-isolation.yaml", ["5432", "icmp"])).toEqual(onPorts(["5432/TCP", "ICMP"], grid));
  });

  it("Rancher label isolation (004): groupBy com.rancher.department, following the rule, not the seed's example", async () => {
    // qa: stack_one/service_one and stack_two/service_one. engineering: stack_one/service_two and
    // stack_three/service_one. The others have no department and reach nobody but themselves.
    const grid = {
      "stack-one-service-one": "✓✗✗✓✗✗✗",
      "stack-one-service-two": "✗✓✗✗✗✓✗",
      "stack-one-service-three": "✗✗✓✗✗✗✗",
      "stack-two-service-one": "✓✗✗✓✗✗✗",
      "stack-two-service-two": "✗✗✗✗✓✗✗",
      "stack-three-service-one": "✗✓✗✗✗✓✗",
      "stack-three-service-two": "✗✗✗✗✗✗✓",
    };
    expect(await matrixOf("rancher-label-isolation.yaml")).toEqual({ "80/TCP": grid });
    expect(await matrixOf("rancher-label-isolation.yaml", ["icmp"])).toEqual({ ICMP: grid });
  });
});
