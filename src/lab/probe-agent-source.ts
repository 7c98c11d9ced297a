// The probe agent: one Node process per workload namespace, run with `node --input-type=module -e`.
// Kept as a string so it runs the same from vitest (TypeScript sources) and from dist/.
//
// Protocol: JSON lines. It prints {"ready":true,"pid":N} once, then answers each request line
// {"id":N,"op":...} with {"id":N,"ok":true,"result":...} or {"id":N,"ok":false,"error":"..."}, in any
// order (requests run concurrently). It exits when its stdin closes, so it never outlives the lab.
//   {"op":"listen","protocol":"TCP"|"UDP","port":P,"hosts":["10.0.0.1","fd00::1"]}
//     TCP: accepts and sends one line "moat-lab <peer address>"; UDP: echoes every datagram.
//   {"op":"probe","protocol":"TCP"|"UDP"|"ICMP","host":H,"port":P,"source":S,"timeoutMs":T}
//     -> {"outcome":"connected"|"refused"|"timeout"|"error","detail":"...","ms":N}
//     TCP counts as connected once the listener's line arrives (both directions work after the
//     handshake); UDP once its own datagram comes back; ICMP (one `ping`, port ignored) on an echo reply.
//   {"op":"seen"} -> [{"port":P,"from":"10.0.0.9"}, ...]: datagrams the UDP listeners got since the last "seen".
//
// Serve mode (`--serve '[{"protocol":"TCP","port":80,"hosts":[...]}, ...]' [--control PATH]` after the
// namespace): the listener of a lab that outlives the command that built it (`moat lab up`). It listens
// on each, takes the requests above on the unix socket PATH (one JSON line each way, per connection),
// prints {"ready":true,"pid":N} and stays until killed; its stdin is not read.
export const PROBE_AGENT_SOURCE = String.raw`
import { createInterface } from "node:readline";
import net from "node:net";
import dgram from "node:dgram";
import { execFile } from "node:child_process";

// Errors that mean "the network said no": RST, or ICMP unreachable/prohibited of any kind.
const REFUSED = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EACCES", "EPERM", "EHOSTDOWN", "ECONNRESET", "ENOPROTOOPT"]);
const listening = new Map();
// Sources of datagrams the UDP listeners received, until "seen" takes them: what reached this workload
// even when no echo could return (a spoofed source). Bounded, so a long run cannot grow it forever.
let received = [];
const MAX_RECEIVED = 10000;

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

function familyOf(host) {
  return host.includes(":") ? 6 : 4;
}

function listenTcp(host, port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((sock) => {
      sock.on("error", () => {});
      sock.end("moat-lab " + sock.remoteAddress + "\n");
    });
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function listenUdp(host, port) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(familyOf(host) === 6 ? "udp6" : "udp4");
    sock.on("message", (msg, rinfo) => {
      if (received.length < MAX_RECEIVED) received.push({ port, from: rinfo.address });
      sock.send(msg, rinfo.port, rinfo.address);
    });
    sock.once("error", reject);
    sock.bind({ address: host, port, exclusive: true }, () => {
      sock.removeListener("error", reject);
      sock.on("error", () => {});
      resolve(sock);
    });
  });
}

async function listen({ protocol, port, hosts }) {
  // The kernel itself answers echo requests.
  if (protocol === "ICMP") return { listening: 0 };
  const list = hosts && hosts.length ? hosts : ["::"];
  for (const host of list) {
    const key = protocol + " " + host + " " + port;
    if (listening.has(key)) continue;
    listening.set(key, protocol === "TCP" ? await listenTcp(host, port) : await listenUdp(host, port));
  }
  return { listening: list.length };
}

function probe({ protocol, host, port, source, timeoutMs }) {
  return new Promise((resolve) => {
    const started = performance.now();
    let finished = false;
    let cleanup = () => {};
    const finish = (outcome, detail) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      cleanup();
      resolve({ outcome, detail, ms: Math.round((performance.now() - started) * 10) / 10 });
    };
    const failed = (err) => finish(REFUSED.has(err.code) ? "refused" : "error", err.code || String(err.message || err));
    const timer = setTimeout(() => finish("timeout", "no answer within " + timeoutMs + " ms"), timeoutMs);
    if (protocol === "ICMP") {
      const args = ["-n", "-c", "1", "-W", String(timeoutMs / 1000), ...(source ? ["-I", source] : []), host];
      const child = execFile("ping", args, { timeout: timeoutMs + 5000 }, (err, stdout, stderr) => {
        // ping prints an ICMP error as "From <router> icmp_seq=1 Destination Port Unreachable",
        // "... Packet filtered" (admin-prohibited), and so on.
        const line = String(stdout).split("\n").find((l) => /^From \S+ icmp_seq=\d+ /.test(l));
        if (!err) finish("connected", "echo reply");
        else if (line) finish("refused", line.trim());
        else if (err.code === 1) finish("timeout", "no echo reply within " + timeoutMs + " ms");
        else finish("error", "ping " + args.join(" ") + ": " + (String(stderr).trim() || err.message));
      });
      // ping has its own deadline; the timer must not cut it short and call a slow reply a timeout.
      clearTimeout(timer);
      cleanup = () => child.kill();
      return;
    }
    if (protocol === "TCP") {
      const sock = net.connect({ host, port, localAddress: source || undefined });
      let banner = "";
      cleanup = () => sock.destroy();
      sock.setEncoding("utf8");
      sock.on("data", (d) => {
        banner += d;
        if (banner.includes("\n")) finish("connected", banner.trim());
      });
      sock.on("end", () => finish("error", "closed before the listener's line: " + JSON.stringify(banner)));
      sock.on("error", failed);
      return;
    }
    const sock = dgram.createSocket(familyOf(host) === 6 ? "udp6" : "udp4");
    const token = "moat-lab " + Math.random().toString(36).slice(2);
    let resend;
    cleanup = () => {
      clearInterval(resend);
      sock.close();
    };
    sock.on("error", failed);
    sock.on("message", (msg) => {
      if (msg.toString() === token) finish("connected", "echoed");
    });
    sock.bind({ address: source || undefined, port: 0 }, () => {
      sock.connect(port, host, (err) => {
        if (err) return failed(err);
        // Datagrams may be lost; a few retries keep a slow first packet from reading as a DROP.
        const once = () => sock.send(token, (e) => e && failed(e));
        once();
        resend = setInterval(once, Math.max(50, Math.floor(timeoutMs / 4)));
      });
    });
  });
}

async function handle(req) {
  if (req.op === "listen") return listen(req);
  if (req.op === "probe") return probe(req);
  if (req.op === "seen") {
    const out = received;
    received = [];
    return out;
  }
  throw new Error("unknown op " + JSON.stringify(req.op));
}

const serveAt = process.argv.indexOf("--serve");
const controlAt = process.argv.indexOf("--control");
if (serveAt >= 0) {
  (async () => {
    for (const spec of JSON.parse(process.argv[serveAt + 1])) await listen(spec);
    // Requests come over a unix socket instead of stdin: the filesystem is shared across namespaces.
    if (controlAt >= 0) {
      await new Promise((resolve, reject) => {
        const control = net.createServer((sock) => {
          sock.on("error", () => {});
          serveRequests(sock, (m) => sock.write(JSON.stringify(m) + "\n"), () => sock.end());
        });
        control.once("error", reject);
        control.listen(process.argv[controlAt + 1], resolve);
      });
    }
  })().then(
    () => send({ ready: true, pid: process.pid }),
    (err) => {
      process.stderr.write("cannot listen: " + ((err && (err.code ? err.code + " " : "") + err.message) || String(err)) + "\n");
      process.exit(1);
    },
  );
} else {
  serveRequests(process.stdin, send, () => process.exit(0));
  send({ ready: true, pid: process.pid });
}

function serveRequests(input, reply, onClose) {
  const lines = createInterface({ input });
  lines.on("line", (line) => {
    let req;
    try {
      req = JSON.parse(line);
    } catch {
      reply({ id: null, ok: false, error: "not JSON: " + line.slice(0, 200) });
      return;
    }
    handle(req).then(
      (result) => reply({ id: req.id, ok: true, result }),
      (err) => reply({ id: req.id, ok: false, error: (err && (err.code ? err.code + " " : "") + err.message) || String(err) }),
    );
  });
  lines.on("close", onClose);
}
`;
