// `moat server`: the control plane's API and store, until SIGTERM or SIGINT.
import { runServer } from "../../server/index.js";
import type { RegisterCommand } from "../context.js";
import { UsageError } from "../errors.js";

const positive = (flag: string) => (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} ${JSON.stringify(text)} is not a positive whole number`);
  return n;
};

export const registerServer: RegisterCommand = (program, { io }) => {
  program
    .command("server")
    .description("serve the REST API and keep the desired state (SQLite in --data); agents watch it")
    .option("--listen <host:port>", "address to listen on (beyond loopback needs TLS or --insecure)", "127.0.0.1:7080")
    .option("--data <dir>", "data directory: moat.db, and admin.token when no --tokens", "/var/lib/moat/server")
    .option("--tokens <file>", "YAML list of {name, role: admin|viewer|agent, token|sha256, node}")
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM)")
    .option("--tls-key <file>", "the certificate's private key (PEM)")
    .option("--client-ca <file>", "require client certificates signed by this CA (mutual TLS)")
    .option("--insecure", "allow plain HTTP beyond loopback")
    .option("--max-body <bytes>", "largest request body", positive("--max-body"), 4 * 1024 * 1024)
    .option("--history <revisions>", "revisions of events kept for watchers that resume", positive("--history"), 10_000)
    .option("--store <kind>", "where the desired state is kept: sqlite (in --data) or etcd", "sqlite")
    .option("--etcd-endpoints <urls>", "etcd client URLs, comma-separated (with --store etcd)")
    .option("--etcd-prefix <prefix>", "keys under this prefix", "/moat/")
    .option("--etcd-cacert <file>", "CA of etcd's client certificates (TLS to etcd)")
    .option("--etcd-cert <file>", "client certificate for etcd")
    .option("--etcd-key <file>", "its key")
    .option("--bookmark-interval <ms>", "how often an idle watch stream gets a BOOKMARK", positive("--bookmark-interval"), 5000)
    .action(async (opts: { listen: string; data: string; tokens?: string; tlsCert?: string; tlsKey?: string; clientCa?: string; insecure?: boolean; maxBody: number; history: number; bookmarkInterval: number; store: string; etcdEndpoints?: string; etcdPrefix: string; etcdCacert?: string; etcdCert?: string; etcdKey?: string }) => {
      const server = await runServer(opts, (line) => io.err(line));
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      });
      await server.close();
    });
};
