// The REST API the CLI uses, from the browser: the token the user typed goes in the Authorization header
// only (never in a URL), kept in sessionStorage under `moat-token` for this tab.
export const TOKEN_KEY = "moat-token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The parsed JSON body of the answer, when it was JSON (a 422 holds its issues). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const storeToken = (t: string) => sessionStorage.setItem(TOKEN_KEY, t);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

function headers(token: string, body?: unknown): Record<string, string> {
  return { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) };
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  let message = text;
  let body: { message?: string; error?: string } | undefined;
  try {
    body = JSON.parse(text) as { message?: string; error?: string };
    message = body.message ?? body.error ?? text;
  } catch {
    // not JSON: the text as it is
  }
  return new ApiError(res.status, message || `HTTP ${res.status}`, body);
}

/** A JSON call; with `yaml`, the body is that text as application/yaml (manifests, as the CLI sends them). */
export async function apiCall<T>(path: string, init: { method?: string; body?: unknown; yaml?: string; token?: string } = {}): Promise<T> {
  const token = init.token ?? storedToken() ?? "";
  const sending = init.yaml ?? init.body;
  const res = await fetch(path, {
    method: init.method ?? (sending !== undefined ? "POST" : "GET"),
    headers: init.yaml !== undefined ? { ...headers(token), "content-type": "application/yaml" } : headers(token, init.body),
    ...(init.yaml !== undefined ? { body: init.yaml } : init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Follows GET /v1/watch from a revision; calls onEvent for each line until stop() or a failure. */
export async function followWatch(since: number, onEvent: (e: { type: string; revision: number }) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(`/v1/watch?since=${since}`, { headers: headers(storedToken() ?? ""), signal });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) onEvent(JSON.parse(line) as { type: string; revision: number });
    }
  }
}
