/**
 * Exponential backoff delays for retried HTTP requests.
 *
 * `backoffDelay(1, 250, 8000)` -> 250; `backoffDelay(3, 250, 8000)` -> 1000; `backoffDelay(10, 250, 8000)` -> 8000.
 * With a `Retry-After` of 2 s: `backoffDelay(1, 250, 8000, 2000)` -> 2000.
 */

/** Delay before retry number `retry` (1-based): `base * 2^(retry-1)`, at least `retryAfterMs`, at most `max`. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, retryAfterMs: number | null = null): number {
  const exponential = baseMs * 2 ** (retry - 1);
  return Math.min(maxMs, Math.max(exponential, retryAfterMs ?? 0));
}

/**
 * A `Retry-After` header in milliseconds (seconds form only); null when absent or not a number.
 * `retryAfterMs("2")` -> 2000; `retryAfterMs(undefined)` -> null.
 */
export function retryAfterMs(header: unknown): number | null {
  if (typeof header !== "string" || !/^\d{1,6}$/.test(header.trim())) return null;
  return Number(header.trim()) * 1000;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
