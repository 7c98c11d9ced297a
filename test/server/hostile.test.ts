// Every hostile manifest that `moat validate` refuses (test/hostile/cases.ts) is refused by
// POST /v1/apply too: 400 for what cannot be read, 422 with the CLI's issues for what does not validate,
// never a 500 or a stack trace, and the store's revision stays where it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInput } from "../../src/errors/index.js";
import { assembleModel, parseSources } from "../../src/service/index.js";
import { CASES } from "../hostile/cases.js";
import { http, removeDir, startServer, type ServerProcess } from "../support/server-process.js";

let server: ServerProcess;
beforeAll(async () => {
  // Large enough for the biggest case, so that moat's parser, not the body limit, is what refuses it.
  server = await startServer(["--max-body", String(8 * 1024 * 1024)]);
});
afterAll(async () => {
  await server?.stop();
  removeDir(server.dataDir);
});

// Input refused for what it is (not for a flag).
const refused = CASES.filter((c) => c.expect.validate === 2 && !c.flags && typeof c.input === "string" && !/[\ud800-\udfff]/.test(c.input as string));

function cliIssues(text: string): InvalidInput | undefined {
  try {
    const parsed = parseSources([{ name: "body", text }]);
    if (parsed.issues.length) return new InvalidInput(parsed.issues);
    assembleModel(parsed);
  } catch (e) {
    if (e instanceof InvalidInput) return e;
    throw e;
  }
  return undefined;
}

describe("hostile manifests through the API", () => {
  it("covers many of the hostile cases", () => expect(refused.length).toBeGreaterThan(25));

  it.each(refused.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const before = (await http(server.url, "/healthz")).body.revision;
    const r = await http(server.url, "/v1/apply", { token: server.adminToken, body: c.input as string, type: "application/yaml" });
    expect([400, 413, 422], r.text.slice(0, 300)).toContain(r.status);
    expect(r.text).not.toMatch(/\n\s+at |\.ts:\d+/);
    expect(r.text).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    if (r.status === 422) {
      const expected = cliIssues(c.input as string);
      if (expected) expect(r.body.issues.map((i: { code: string; message: string }) => [i.code, i.message])).toEqual(expected.issues.map((i) => [i.code, i.message]));
    }
    expect((await http(server.url, "/healthz")).body.revision).toBe(before);
  });
});
