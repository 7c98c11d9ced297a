// A real firewalld confined to one lab node's network namespace, as /work/shared/recipes/firewalld-in-netns.md
// proves it: a private "system" D-Bus of its own (no bus activation, no user switch), a private /run (the
// script runs under `unshare -m --propagation private` and mounts a tmpfs there), and a copy of
// /etc/firewalld in the test's temp dir. Never in the host's namespace.
import { spawn } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive, pidFromFile, sleep, spawnInNetns, stopPid, type NetnsChild } from "./foreign-daemon.js";

export type FirewalldBackend = "nftables" | "iptables";

export interface Firewalld {
  backend: FirewalldBackend;
  dir: string;
  /** ms from the spawn to `firewall-cmd --state` answering "running". */
  readyMs: number;
  firewallCmd(args: string[]): Promise<{ code: number | null; out: string; ms: number }>;
  /** firewalld's own log and output so far. */
  logs(): string;
  stop(): Promise<string>;
}

const dbusConfig = (dir: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- a private "system" bus for one test's firewalld: no bus activation (no servicedirs), no user switch -->
<busconfig>
  <type>system</type>
  <listen>unix:path=${dir}/system_bus_socket</listen>
  <pidfile>${dir}/dbus.pid</pidfile>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>/usr/share/dbus-1/system.d/FirewallD.conf</include>
</busconfig>
`;

// The mount of /run is private to this mount namespace (unshare -m --propagation private), so
// /run/firewalld, /run/dbus and the rest never reach the host's /run. The script execs firewalld, so
// the spawned pid is firewalld's own.
const startScript = (dir: string) => `#!/bin/bash
set -euo pipefail
mount -t tmpfs tmpfs /run
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=${dir}/system_bus_socket
dbus-daemon --config-file=${dir}/dbus-system.conf --fork --print-pid > ${dir}/dbus.pid.printed
exec firewalld --nofork --nopid --system-config ${dir}/etc --log-target file --log-file ${dir}/firewalld.log
`;

/**
 * Starts firewalld in the namespace with the given backend and waits until it answers "running";
 * `onSpawn` gets its stop function as soon as the process exists.
 * Every interface lands in the trusted zone (DefaultZone=trusted in the copied firewalld.conf): with the
 * nftables backend firewalld's own `filter_FORWARD` (a base chain of its own table, after moat's) ends in
 * `reject with icmpx admin-prohibited` for whatever its zones do not allow, and an nft accept in one base
 * chain does not end the others, so in its default zone (public) every forwarded connection moat allows
 * would be refused by firewalld, and the probes would test firewalld's zones instead of moat. Trusted
 * zones keep firewalld's flush of iptables on start and reload, which is what these tests are about.
 * `shippedZone` keeps the DefaultZone of /etc/firewalld (Debian: public), to show that refusal.
 */
export async function startFirewalld(netns: string, backend: FirewalldBackend, dir: string, onSpawn?: (stop: () => Promise<string>) => void, opts: { shippedZone?: boolean } = {}): Promise<Firewalld> {
  mkdirSync(dir, { recursive: true });
  cpSync("/etc/firewalld", join(dir, "etc"), { recursive: true });
  const confFile = join(dir, "etc", "firewalld.conf");
  const conf = readFileSync(confFile, "utf8");
  const set = (text: string, key: string, value: string) => (new RegExp(`^${key}=`, "m").test(text) ? text.replace(new RegExp(`^${key}=.*$`, "m"), `${key}=${value}`) : `${text}\n${key}=${value}\n`);
  // FlushAllOnReload=yes is Debian's default: named here so the test does not depend on it.
  const zoned = opts.shippedZone ? conf : set(conf, "DefaultZone", "trusted");
  writeFileSync(confFile, set(set(zoned, "FirewallBackend", backend), "FlushAllOnReload", "yes"));
  writeFileSync(join(dir, "dbus-system.conf"), dbusConfig(dir));
  const script = join(dir, "start.sh");
  writeFileSync(script, startScript(dir));
  chmodSync(script, 0o755);

  const started = Date.now();
  const proc: NetnsChild = spawnInNetns(netns, script);
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${dir}/system_bus_socket` };
  const logs = () => {
    let log = "";
    try {
      log = readFileSync(join(dir, "firewalld.log"), "utf8");
    } catch {
      // not written yet
    }
    return `${proc.output()}${log}`.slice(-6000);
  };
  const firewallCmd = (args: string[]) =>
    new Promise<{ code: number | null; out: string; ms: number }>((resolve) => {
      const t0 = Date.now();
      const c = spawn("firewall-cmd", args, { env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      c.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      c.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      const timer = setTimeout(() => c.kill("SIGKILL"), 30_000);
      c.on("exit", (code) => (clearTimeout(timer), resolve({ code, out: out.trim(), ms: Date.now() - t0 })));
    });
  const dbusPid = () => pidFromFile(join(dir, "dbus.pid.printed")) ?? pidFromFile(join(dir, "dbus.pid"));
  const stop = async () => {
    const fw = await stopPid(proc.child.pid, 10_000);
    const bus = await stopPid(dbusPid(), 3000);
    return `firewalld ${fw}, dbus-daemon ${bus}`;
  };
  // The caller can stop it from here on, even if waiting for it to run fails or times out.
  onSpawn?.(stop);
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`firewalld (${backend}) exited ${exitCode} before it was running:\n${logs()}`);
      if (Date.now() - started > 30_000) throw new Error(`firewalld (${backend}) was not running within 30 s:\n${logs()}`);
      if (alive(dbusPid())) {
        const r = await firewallCmd(["--state"]);
        if (r.code === 0 && r.out === "running") break;
      }
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { backend, dir, readyMs: Date.now() - started, firewallCmd, logs, stop };
}
