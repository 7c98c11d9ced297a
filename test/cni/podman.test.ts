// A real runtime: podman 4.3 from Debian with its CNI backend runs a busybox-static root filesystem (no
// image pull) on a moat network, as ../shared/recipes/podman-cni.md does it on this machine (podman
// entered into the node's namespace with nsenter, private mounts, its own containers.conf). The container
// gets a moat address, is registered as a workload named after it, and is enforced the moment podman
// starts it: a container of its network reaches it, one of another network does not. When it ends,
// podman's DEL removes the workload and gives the address back.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDir } from "../support/server-process.js";
import { addNetns, api, cni, connects, newPrefix, PLUGIN, removeNetns, startHost, type Host } from "./fixture.js";

const PREFIX = newPrefix("pm");
const NODE_NS = `${PREFIX}n1`;
let host: Host;
let dir: string;
const varLibCniExisted = existsSync("/var/lib/cni");

const MANIFESTS = `apiVersion: moat.dev/v1
kind: Network
metadata: {name: it}
spec: {subnets: [10.64.0.0/24], isolation: network}
---
apiVersion: moat.dev/v1
kind: Network
metadata: {name: hr}
spec: {subnets: [10.65.0.0/24], isolation: network}
`;

function requireTools(): void {
  const missing = ["podman", "nsenter", "unshare"].filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
  if (!existsSync("/bin/busybox")) missing.push("busybox (busybox-static)");
  if (!existsSync("/usr/lib/cni/host-local")) missing.push("containernetworking-plugins");
  if (missing.length) throw new Error(`the podman test needs ${missing.join(", ")}: apt-get install -y podman containernetworking-plugins busybox-static (scripts/setup.sh does)`);
}

function writeScratch(): void {
  for (const d of ["rootfs/bin", "rootfs/proc", "rootfs/sys", "rootfs/dev", "rootfs/etc", "rootfs/tmp", "podman/tmp", "podman/shm", "cni/plugins", "cni/net.d", "cni/varlibcni"]) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync("/bin/busybox", join(dir, "rootfs/bin/busybox"));
  chmodSync(join(dir, "rootfs/bin/busybox"), 0o755);
  // Inside the root filesystem, so the applets' links point at /bin/busybox as the container sees it.
  spawnSync("chroot", [join(dir, "rootfs"), "/bin/busybox", "--install", "-s", "/bin"]);
  writeFileSync(
    join(dir, "containers.conf"),
    `[containers]\nnetns = "bridge"\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nevents_logfile_path = "${dir}/podman/events.log"\ntmp_dir = "${dir}/podman/tmp"\n[network]\nnetwork_backend = "cni"\ncni_plugin_dirs = ["${dir}/cni/plugins", "/usr/lib/cni"]\nnetwork_config_dir = "${dir}/cni/net.d"\ndefault_network = "it"\n`,
  );
  // The plugin as a runtime finds it: an executable named after its type in a plugin directory.
  writeFileSync(join(dir, "cni/plugins/moat-cni"), `#!/bin/sh\nexec ${process.execPath} ${PLUGIN} "$@"\n`, { mode: 0o755 });
  const plugin = { type: "moat-cni", server: host.server.url, tokenFile: host.tokenFile, node: "n1", ipam: { type: "moat" } };
  writeFileSync(join(dir, "cni/net.d/it.conflist"), JSON.stringify({ cniVersion: "0.4.0", name: "it", plugins: [plugin] }, null, 2));
  writeFileSync(
    join(dir, "pm.sh"),
    `#!/bin/bash\nmount -t tmpfs tmpfs /run/netns; mount --bind ${dir}/podman/shm /dev/shm\nmkdir -p /var/lib/cni && mount --bind ${dir}/cni/varlibcni /var/lib/cni\numount /sys/fs/cgroup/unified\nexport CONTAINERS_CONF=${dir}/containers.conf\nexec podman --root ${dir}/podman/root --runroot ${dir}/podman/run --storage-driver overlay "$@"\n`,
    { mode: 0o755 },
  );
}

const podman = (args: string[]) => spawn("nsenter", [`--net=/run/netns/${NODE_NS}`, "unshare", "-m", "--propagation", "private", join(dir, "pm.sh"), ...args], { stdio: ["ignore", "pipe", "pipe"] });

beforeAll(async () => {
  requireTools();
  removeNetns(PREFIX);
  dir = mkdtempSync(join(tmpdir(), "moat-podman-"));
  host = await startHost(NODE_NS, "n1");
  expect(api(NODE_NS, host.server.url, "POST", "/v1/apply", MANIFESTS).status).toBe(200);
  writeScratch();
}, 60_000);

afterAll(async () => {
  await host?.stop();
  removeNetns(PREFIX);
  // podman's storage holds overlay mounts only inside its private mount namespace; the files remain.
  spawnSync("rm", ["-rf", dir]);
  if (!varLibCniExisted && existsSync("/var/lib/cni") && readdirSync("/var/lib/cni").length === 0) rmdirSync("/var/lib/cni");
}, 60_000);

describe("podman (CNI backend) on a moat network", () => {
  it("runs a container that gets a moat address and is enforced at once; podman's DEL cleans up", async () => {
    const peer = { ns: `${PREFIX}same`, path: `/run/netns/${PREFIX}same` };
    const stranger = { ns: `${PREFIX}other`, path: `/run/netns/${PREFIX}other` };
    addNetns(peer.ns);
    addNetns(stranger.ns);
    const attach = (c: { path: string }, id: string, network: string) => cni(NODE_NS, { command: "ADD", containerId: id, netns: c.path, ifname: "eth0" }, host.config(network));
    expect((await attach(peer, "peer", "it")).code).toBe(0);
    expect((await attach(stranger, "stranger", "hr")).code).toBe(0);

    const child = podman(["run", "--rm", "--name", "web1", "--rootfs", join(dir, "rootfs"), "/bin/sh", "-c", "ip -4 addr show eth0; ip route; echo READY; (echo hi | nc -l -p 80 &) ; sleep 4"]);
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    for (let i = 0; i < 600 && !out.includes("READY") && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(out, err).toContain("READY");
    const address = /inet (10\.64\.0\.\d+)\/32/.exec(out)?.[1];
    expect(address, out).toBeDefined();
    expect(out).toContain("default via 169.254.1.1 dev eth0");
    const w = api(NODE_NS, host.server.url, "GET", "/v1/workloads/web1").body;
    expect(w.spec).toMatchObject({ node: "n1", network: "it", ips: [address] });
    // A moment for busybox's nc to listen; the policy was enforced before podman started the command.
    await new Promise((r) => setTimeout(r, 300));
    const [fromSame, fromOther] = [await connects(peer.ns, address!, 80), await connects(stranger.ns, address!, 80)];
    expect({ fromSame, fromOther }).toEqual({ fromSame: true, fromOther: false });
    expect(await exited, err).toBe(0);
    expect(api(NODE_NS, host.server.url, "GET", "/v1/workloads/web1").status).toBe(404);
    const held = (api(NODE_NS, host.server.url, "GET", "/v1/ipam/blocks").body.items as { allocations: Record<string, unknown> }[]).flatMap((b) => Object.keys(b.allocations));
    expect(held).not.toContain(address);
  });
});
