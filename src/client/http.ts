// The way the CLI and the agent reach a server: plain node:http(s), so a custom CA and client
// certificates work without a global agent. Several URLs may be given; a request that cannot connect
// moves on to the next. HTTP errors come back as moat's error kinds (the inverse of the server's map).
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { InvalidInput, MoatError, Unavailable, type ErrorKind } from "../errors/index.js";
import type { Issue } from "../model/index.js";

export interface ClientOptions {
  /** One URL, or several separated by commas. */
  server: string;
  token?: string;
  /** PEM of a CA to trust, and a client certificate and key for mutual TLS. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Per-request timeout (not for watch streams). Default 30 s. */
  timeoutMs?: number;
}

export interface Response {
  status: number;
  body: unknown;
}

const KIND_OF_STATUS: Record<number, ErrorKind> = { 400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 409: "conflict", 410: "gone", 413: "too-large", 415: "unsupported-media", 503: "unavailable" };

export class Client {
  readonly urls: URL[];
  private current = 0;

  constructor(readonly opts: ClientOptions) {
    this.urls = opts.server.split(",").map((u) => u.trim()).filter(Boolean).map((u) => parseUrl(u));
    if (!this.urls.length) throw new MoatError("bad-request", "--server: give a URL, e.g. http://127.0.0.1:7080");
  }

  get url(): string {
    return this.urls[this.current]!.origin;
  }

  /** A JSON (or text) request; throws the moat error of a 4xx/5xx, Unavailable when no URL answers. */
  async call(method: string, path: string, body?: { text: string; contentType: string }): Promise<unknown> {
    const res = await this.send(method, path, body);
    if (res.status >= 400) throw errorOf(res, `${method} ${path}`);
    return res.body;
  }

  async send(method: string, path: string, body?: { text: string; contentType: string }): Promise<Response> {
    const { message, status } = await this.open(method, path, body, this.opts.timeoutMs ?? 30_000);
    const text = await readAll(message);
    const isJson = (message.headers["content-type"] ?? "").includes("json");
    return { status, body: isJson && text ? JSON.parse(text) : text };
  }

  /**
   * Opens a newline-delimited JSON stream and calls onLine for each line until the stream ends, the
   * signal aborts, or no data (not even a BOOKMARK) arrives for idleMs.
   */
  async stream(path: string, onLine: (value: unknown) => void, opts: { signal?: AbortSignal; idleMs?: number } = {}): Promise<void> {
    const { message, status } = await this.open("GET", path, undefined, opts.idleMs ?? 15_000, opts.signal);
    if (status >= 400) throw errorOf({ status, body: tryJson(await readAll(message)) }, `GET ${path}`);
    await new Promise<void>((resolve, reject) => {
      let rest = "";
      message.setEncoding("utf8");
      message.on("data", (chunk: string) => {
        rest += chunk;
        let nl: number;
        while ((nl = rest.indexOf("\n")) >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          if (!line.trim()) continue;
          try {
            onLine(JSON.parse(line));
          } catch (e) {
            message.destroy(e as Error);
            return;
          }
        }
      });
      message.on("end", resolve);
      message.on("close", resolve);
      message.on("error", reject);
    });
  }

  /** Tries each URL in turn, starting with the last one that answered. */
  private async open(method: string, path: string, body: { text: string; contentType: string } | undefined, timeoutMs: number, signal?: AbortSignal): Promise<{ message: IncomingMessage; status: number }> {
    const failures: string[] = [];
    for (let i = 0; i < this.urls.length; i++) {
      const index = (this.current + i) % this.urls.length;
      try {
        const message = await this.once(this.urls[index]!, method, path, body, timeoutMs, signal);
        this.current = index;
        return { message, status: message.statusCode ?? 0 };
      } catch (e) {
        if (signal?.aborted) throw new Unavailable("aborted");
        failures.push(`${this.urls[index]!.origin}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    this.current = (this.current + 1) % this.urls.length;
    throw new Unavailable(`cannot reach the moat server (${failures.join("; ")})`);
  }

  private once(url: URL, method: string, path: string, body: { text: string; contentType: string } | undefined, timeoutMs: number, signal?: AbortSignal): Promise<IncomingMessage> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (body) {
      headers["content-type"] = body.contentType;
      headers["content-length"] = String(Buffer.byteLength(body.text));
    }
    const make = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = make(
        new URL(path, url),
        { method, headers, timeout: timeoutMs, ...(signal ? { signal } : {}), ...(url.protocol === "https:" ? { ca: this.opts.ca, cert: this.opts.cert, key: this.opts.key } : {}) },
        resolve,
      );
      req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
      req.on("error", reject);
      req.end(body?.text);
    });
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MoatError("bad-request", `--server ${JSON.stringify(text)} is not a URL (e.g. http://127.0.0.1:7080)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new MoatError("bad-request", `--server ${JSON.stringify(text)}: use http:// or https://`);
  return url;
}

const readAll = (message: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let text = "";
    message.setEncoding("utf8");
    message.on("data", (d: string) => (text += d));
    message.on("end", () => resolve(text));
    message.on("error", reject);
  });

const tryJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

function errorOf(res: Response, what: string): MoatError {
  const body = (res.body ?? {}) as { error?: string; issues?: Issue[]; requestId?: string };
  if (res.status === 422 && Array.isArray(body.issues)) return new InvalidInput(body.issues);
  const message = typeof body.error === "string" ? body.error : `${what}: HTTP ${res.status}`;
  const kind = KIND_OF_STATUS[res.status] ?? (res.status >= 500 ? "unavailable" : "bad-request");
  return new MoatError(kind, res.status >= 500 ? `server error (HTTP ${res.status}${body.requestId ? `, request ${body.requestId}` : ""}): ${message}` : message);
}
