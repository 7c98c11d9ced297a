/** Capped exponential backoff with full jitter: the n-th retry waits a random time up to min(cap, base * 2^n). */
export function backoffMs(attempt: number, baseMs = 100, capMs = 5000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Waits ms, or less when the signal aborts; leaves no listener behind on the (long-lived) signal. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
