/**
 * Bounded exponential backoff for BigQuery calls. Transient failures (HTTP 408, 429, 5xx,
 * rate-limit reasons, network errors without an HTTP status) are retried up to
 * `attempts` tries in all, sleeping `min(maxDelayMs, baseDelayMs * 2^(n-1))`, jittered down
 * to half, between them; then {@link SinkUnavailableError} is thrown so the caller does not
 * acknowledge. Permanent failures (other 4xx) are thrown at once.
 */

/** How hard to retry. */
export interface RetryPolicy {
  /** Tries in all, the first included (>= 1). */
  readonly attempts: number;
  /** Delay before the second try, before jitter. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. */
  readonly maxDelayMs: number;
}

/** 5 tries, 250 ms doubling (capped at 8 s): at most 3.75 s of sleeping per call. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8000 };

/** Thrown when a transient failure outlived the retry budget. `cause` is the last failure. */
export class SinkUnavailableError extends Error {
  override readonly name = "SinkUnavailableError";
  constructor(
    readonly what: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`${what}: still failing after ${attempts} attempt(s): ${describe(cause)}`, { cause });
  }
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError"]);

/** The HTTP status of a client error, when it carries one. */
export function httpStatus(err: unknown): number | null {
  if (typeof err !== "object" || err === null) return null;
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : null;
}

/** Whether `err` is worth retrying (see the module comment). */
export function isTransient(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const status = httpStatus(err);
  if (status !== null) {
    if (RETRYABLE_STATUS.has(status)) return true;
    const errors = (err as { errors?: unknown }).errors;
    return Array.isArray(errors) && errors.some((e) => RETRYABLE_REASONS.has(String((e as { reason?: unknown })?.reason)));
  }
  // No HTTP status: a socket, DNS or timeout failure (ECONNRESET, ECONNREFUSED, FetchError, ...).
  const code = (err as { code?: unknown }).code;
  const name = (err as { name?: unknown }).name;
  return (typeof code === "string" && /^E[A-Z_]+$/.test(code)) || name === "FetchError" || name === "AbortError" || name === "TimeoutError";
}

/** The delay before try `attempt + 1` (attempt is 1-based: the try that just failed). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(full / 2 + (Math.random() * full) / 2);
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `p`, or a `TimeoutError` (transient) when it has not settled within `ms`. The client's own
 * `timeout` option is not applied: teeny-request hands it to node-fetch 3, which has no such
 * option, so a request whose answer never comes would wait forever. The abandoned request is
 * left to finish or fail on its own (a retry carries the same insertIds).
 */
export function withDeadline<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return p;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${what}: no answer within ${ms} ms`);
      err.name = "TimeoutError";
      reject(err);
    }, ms);
  });
  p.catch(() => undefined);
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Runs `fn`, retrying transient failures per `policy`; `what` names the call in errors. */
export async function withRetry<T>(policy: RetryPolicy, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (attempt >= policy.attempts) throw new SinkUnavailableError(what, attempt, err);
      await sleep(backoffDelay(policy, attempt));
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0] || err.name;
  return String(err);
}
