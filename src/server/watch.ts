// GET /v1/watch?since=REV: newline-delimited JSON events after REV, then live ones, with a BOOKMARK when
// the stream is idle. Subscribes before reading the history, so no event falls between the two; events
// are sent once each, in revision order. A REV older than the history kept (or newer than the store) is
// 410 Gone, and the client lists again.
import type { FastifyInstance } from "fastify";
import type { Gauge } from "prom-client";
import { BadRequest } from "../errors/index.js";
import { Gone, type Store, type StoreEvent } from "../store/index.js";
import { present } from "./resources.js";

export function registerWatch(app: FastifyInstance, store: Store, watchers: Gauge, bookmarkMs: number): void {
  app.get("/v1/watch", { config: { roles: ["admin", "viewer", "agent"] } }, async (req, reply) => {
    const sinceText = (req.query as { since?: unknown }).since;
    const current = await store.revision();
    if (sinceText !== undefined && (typeof sinceText !== "string" || !/^\d+$/.test(sinceText))) throw new BadRequest(`since ${JSON.stringify(sinceText)} is not a revision`);
    const since = sinceText === undefined ? current : Number(sinceText);
    if (since > current) throw new Gone(since, current);

    const buffered: StoreEvent[] = [];
    let send: ((events: StoreEvent[]) => void) | undefined;
    const unsubscribe = store.subscribe((events) => (send ? send(events) : buffered.push(...events)));
    let history: StoreEvent[];
    try {
      history = await store.eventsSince(since);
    } catch (e) {
      unsubscribe();
      throw e;
    }

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store", "x-request-id": req.id });
    let sent = since;
    const line = (value: unknown) => raw.write(`${JSON.stringify(value)}\n`);
    send = (events) => {
      // A batch is whole revisions (one commit, or the history), so filtering before advancing is exact.
      const fresh = events.filter((e) => e.revision > sent);
      for (const e of fresh) line({ type: e.type, revision: e.revision, kind: e.key.kind, object: present({ object: e.object, revision: e.revision }) });
      for (const e of fresh) sent = Math.max(sent, e.revision);
    };
    const bookmark = () => line({ type: "BOOKMARK", revision: Math.max(sent, current) });
    send(history);
    send(buffered);
    bookmark();
    watchers.inc();
    const timer = setInterval(bookmark, bookmarkMs);
    req.raw.on("close", () => {
      clearInterval(timer);
      unsubscribe();
      watchers.dec();
    });
  });
}
