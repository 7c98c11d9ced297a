// `moat server`: open the store, load or create the tokens, refuse to listen beyond loopback in the clear,
// listen, and close cleanly on SIGTERM.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { BadRequest, Unavailable } from "../errors/index.js";
import { openEtcdStore, openSqliteStore, type Store } from "../store/index.js";
import { buildServer } from "./app.js";
import { newToken, TokenTable } from "./tokens.js";

export interface ServerCommandOptions {
  listen: string;
  data: string;
  tokens?: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  insecure?: boolean;
  maxBody?: number;
  history?: number;
  /** How often an idle watch gets a BOOKMARK, in ms (default 5000). */
  bookmarkInterval?: number;
  /** sqlite (DIR/moat.db, the default) or etcd. */
  store?: string;
  etcdEndpoints?: string;
  etcdPrefix?: string;
  etcdCacert?: string;
  etcdCert?: string;
  etcdKey?: string;
}

async function openStore(opts: ServerCommandOptions): Promise<{ store: Store; describe: string }> {
  const kind = opts.store ?? "sqlite";
  const history = opts.history ? { historyLimit: opts.history } : {};
  if (kind === "sqlite") {
    if (opts.etcdEndpoints) throw new BadRequest("--etcd-endpoints needs --store etcd");
    return { store: openSqliteStore(join(opts.data, "moat.db"), history), describe: `sqlite ${join(opts.data, "moat.db")}` };
  }
  if (kind !== "etcd") throw new BadRequest(`--store ${JSON.stringify(kind)} is not one of sqlite, etcd`);
  const endpoints = (opts.etcdEndpoints ?? "").split(",").map((e) => e.trim()).filter(Boolean);
  if (!endpoints.length) throw new BadRequest("--store etcd needs --etcd-endpoints URL[,URL...] (e.g. http://127.0.0.1:2379)");
  for (const e of endpoints) if (!/^https?:\/\/[^/]+$/.test(e)) throw new BadRequest(`--etcd-endpoints: ${JSON.stringify(e)} is not an etcd client URL (http://HOST:PORT)`);
  const prefix = opts.etcdPrefix ?? "/moat/";
  if (!prefix.startsWith("/") || !prefix.endsWith("/")) throw new BadRequest(`--etcd-prefix ${JSON.stringify(prefix)} must start and end with /`);
  const tls = opts.etcdCacert ? { ca: readOrFail(opts.etcdCacert, "--etcd-cacert"), ...(opts.etcdCert ? { cert: readOrFail(opts.etcdCert, "--etcd-cert") } : {}), ...(opts.etcdKey ? { key: readOrFail(opts.etcdKey, "--etcd-key") } : {}) } : undefined;
  const store = await openEtcdStore({ endpoints, prefix, ...history, ...(tls ? { tls } : {}) });
  // Fail at start, with the reason, rather than at the first request.
  await store.snapshot().catch(async (e) => {
    await store.close();
    throw e;
  });
  return { store, describe: `etcd ${endpoints.join(",")} under ${prefix}` };
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  const host = m ? (m[1] ?? m[2] ?? "") : "";
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535 || (host !== "" && host !== "localhost" && !isIP(host))) throw new BadRequest(`--listen ${JSON.stringify(text)} is not HOST:PORT (an IP address or localhost, e.g. 127.0.0.1:7080 or [::1]:7080)`);
  return { host: host === "" ? "0.0.0.0" : host, port };
}

const isLoopback = (host: string) => host === "localhost" || host === "::1" || /^127\./.test(host);

function readOrFail(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new BadRequest(`${flag} ${JSON.stringify(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The tokens file, or DIR/admin.token created once (mode 0600) holding a random admin token. */
function loadTokens(opts: ServerCommandOptions, say: (line: string) => void): TokenTable {
  if (opts.tokens) return TokenTable.parse(readOrFail(opts.tokens, "--tokens").toString("utf8"), opts.tokens);
  const file = join(opts.data, "admin.token");
  if (!existsSync(file)) {
    writeFileSync(file, `${newToken()}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  say(`admin token: ${file}`);
  return TokenTable.single({ name: "admin", role: "admin" }, readFileSync(file, "utf8").trim());
}

export async function runServer(opts: ServerCommandOptions, say: (line: string) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const { host, port } = parseListen(opts.listen);
  const tls = opts.tlsCert || opts.tlsKey;
  if (tls && !(opts.tlsCert && opts.tlsKey)) throw new BadRequest("--tls-cert and --tls-key go together");
  if (opts.clientCa && !tls) throw new BadRequest("--client-ca needs --tls-cert and --tls-key");
  if (!tls && !isLoopback(host) && !opts.insecure) throw new BadRequest(`--listen ${opts.listen} is beyond loopback: give --tls-cert and --tls-key, or --insecure to serve tokens in the clear`);
  mkdirSync(opts.data, { recursive: true, mode: 0o700 });
  const tokens = loadTokens(opts, say);
  const { store, describe } = await openStore(opts);
  const https = tls ? { cert: readOrFail(opts.tlsCert!, "--tls-cert"), key: readOrFail(opts.tlsKey!, "--tls-key"), ...(opts.clientCa ? { ca: readOrFail(opts.clientCa, "--client-ca") } : {}) } : undefined;
  const app = buildServer({ store, tokens, ...(opts.maxBody ? { maxBody: opts.maxBody } : {}), ...(opts.bookmarkInterval ? { bookmarkMs: opts.bookmarkInterval } : {}), ...(https ? { https } : {}) });
  try {
    await app.listen({ host, port });
  } catch (e) {
    await store.close();
    throw new Unavailable(`cannot listen on ${opts.listen}: ${(e as Error).message}`);
  }
  const address = app.server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  const url = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  say(`moat server listening on ${url} (${describe}, revision ${await store.revision()})`);
  return {
    url,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
