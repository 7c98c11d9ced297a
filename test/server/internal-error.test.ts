// A fault the server did not foresee is a 500 with a request id, logged with that id, and never a stack
// trace in the response; a store that cannot be reached is a 503 naming it.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Unavailable } from "../../src/errors/index.js";
import { buildServer, TokenTable } from "../../src/server/index.js";
import type { Store } from "../../src/store/index.js";

const TOKEN = "internal-error-token-0123";
const broken = (fail: () => never): Store =>
  ({
    snapshot: async () => fail(),
    revision: async () => fail(),
    commit: async () => fail(),
    eventsSince: async () => fail(),
    subscribe: () => () => {},
    compact: async () => {},
    putNodeStatus: async () => fail(),
    listNodeStatus: async () => fail(),
    ipamList: async () => fail(),
    ipamCommit: async () => fail(),
    close: async () => {},
  }) as Store;

function serverWith(store: Store) {
  let logs = "";
  const stream = new Writable({ write: (chunk, _enc, done) => ((logs += String(chunk)), done()) });
  const app = buildServer({ store, tokens: TokenTable.single({ name: "ops", role: "admin" }, TOKEN), logger: { stream } });
  return { app, logs: () => logs };
}

describe("server faults", () => {
  it("an unexpected error is 500 with a request id, logged with it, and no stack in the body", async () => {
    const { app, logs } = serverWith(
      broken(() => {
        throw new TypeError("boom at the bottom of the store");
      }),
    );
    const r = await app.inject({ method: "GET", url: "/v1/networks", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.statusCode).toBe(500);
    const body = r.json();
    expect(body).toEqual({ error: "internal error", requestId: r.headers["x-request-id"] });
    expect(r.body).not.toMatch(/boom|at |\.ts:/);
    const line = logs().split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === "internal error");
    expect(line).toMatchObject({ reqId: body.requestId, level: 50 });
    expect(JSON.stringify(line)).toContain("boom at the bottom of the store");
    expect(logs()).not.toContain(TOKEN);
    await app.close();
  });

  it("a store that cannot be reached is 503 naming it", async () => {
    const { app } = serverWith(
      broken(() => {
        throw new Unavailable("the store (etcd at http://127.0.0.1:1) cannot read: connection refused");
      }),
    );
    const r = await app.inject({ method: "POST", url: "/v1/apply", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/yaml" }, payload: "apiVersion: moat.dev/v1\nkind: Namespace\nmetadata: {name: x}\n" });
    expect(r.statusCode).toBe(503);
    expect(r.json().error).toMatch(/^the store \(etcd at http:\/\/127\.0\.0\.1:1\) cannot read/);
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(503);
    await app.close();
  });
});
