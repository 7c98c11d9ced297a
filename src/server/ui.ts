// The web view at /ui/: static files that `npm run build` bundles from src/web into dist/ui (esbuild), served
// as they are. The page is one HTML shell (here, so the build copies nothing) that loads the bundle; it
// talks to the same REST API as the CLI with the token the user types. No token is needed to fetch the
// files: they hold no data. Every answer under /ui carries a CSP without inline scripts, nosniff and
// frame denial. Only files found in dist/ui when the server starts are served: no path reaches the disk.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";

/** dist/ui, whether this file runs from src/server (tests) or dist/server (bin/moat). */
export const UI_DIR = fileURLToPath(new URL("../../dist/ui/", import.meta.url));

export const UI_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export const UI_SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>moat</title>
<link rel="stylesheet" href="/ui/styles.css">
<script type="module" src="/ui/index.js"></script>
</head>
<body><div id="app">Loading moat…</div></body>
</html>
`;

function uiFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) if (TYPES[extname(name)]) files.set(name, readFileSync(join(dir, name)));
  return files;
}

/** Serves the web view under /ui/ (the files are read once, at registration). */
export function registerUi(app: FastifyInstance, dir = UI_DIR): void {
  const files = uiFiles(dir);
  const secure = (reply: FastifyReply) => {
    for (const [k, v] of Object.entries(UI_SECURITY_HEADERS)) reply.header(k, v);
    return reply;
  };
  app.get("/ui", async (_req, reply) => secure(reply).redirect("/ui/", 301));
  app.get("/ui/", async (_req, reply) => {
    if (!files.size) return secure(reply).code(503).type("text/plain; charset=utf-8").send("the web view is not built: run npm run build\n");
    return secure(reply).type("text/html; charset=utf-8").header("cache-control", "no-cache").send(UI_SHELL);
  });
  app.get("/ui/:file", async (req, reply) => {
    const name = (req.params as { file: string }).file;
    const body = files.get(name);
    if (!body) return secure(reply).code(404).type("text/plain; charset=utf-8").send(`no file ${JSON.stringify(name)} in the web view\n`);
    return secure(reply).type(TYPES[extname(name)]!).header("cache-control", "no-cache").send(body);
  });
}
