// `moat logs`: follows NFLOG through tcpdump (`-i nflog:GROUP -w -`), the way to see netfilter logs inside
// a network namespace (LOG writes nothing there: nf_log_all_netns is a host setting moat leaves alone).
import { spawn } from "node:child_process";
import { DataplaneUnavailable } from "../dataplane/index.js";
import { NflogStream, type NflogEntry } from "./nflog.js";

export interface FollowOptions {
  group: number;
  /** Stop after this many entries. */
  count?: number;
  /** Called once tcpdump listens: what is logged from now on is seen. */
  onReady?: () => void;
  onEntry: (e: NflogEntry) => void;
  signal?: AbortSignal;
}

/** Runs tcpdump until count entries were seen, the signal aborts, or tcpdump ends; resolves with how many. */
export function followNflog(opts: FollowOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("tcpdump", ["-i", `nflog:${opts.group}`, "-U", "-s", "0", "-w", "-"], { stdio: ["ignore", "pipe", "pipe"] });
    const stream = new NflogStream();
    let seen = 0;
    let stderr = "";
    let ready = false;
    const stop = () => child.kill("SIGTERM");
    opts.signal?.addEventListener("abort", stop, { once: true });
    child.on("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "ENOENT" ? new DataplaneUnavailable("tcpdump is not installed: install the Debian package tcpdump (apt-get install tcpdump)") : e),
    );
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!ready && /listening on/.test(stderr)) {
        ready = true;
        opts.onReady?.();
      }
    });
    child.stdout.on("data", (d: Buffer) => {
      let entries: NflogEntry[];
      try {
        entries = stream.feed(d);
      } catch (e) {
        stop();
        return reject(e);
      }
      for (const e of entries) {
        if (opts.count !== undefined && seen >= opts.count) break;
        seen++;
        opts.onEntry(e);
      }
      if (opts.count !== undefined && seen >= opts.count) stop();
    });
    child.on("close", (code, sig) => {
      opts.signal?.removeEventListener("abort", stop);
      if (seen || sig || code === 0 || ready) return resolve(seen);
      reject(new DataplaneUnavailable(`tcpdump -i nflog:${opts.group} failed (exit ${code}): ${stderr.trim().split("\n").at(-1) ?? ""}`));
    });
  });
}
