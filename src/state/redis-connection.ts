import { Redis } from "ioredis";

/**
 * An ioredis connection to `url` (`redis://[user:pass@]host:port/db`, `rediss://` for TLS) that
 * fails commands instead of queueing them forever while Redis is away: a command is retried on
 * at most `maxRetriesPerRequest` reconnections (default 2), then rejects. The caller owns it
 * (`quit()` when done). Connection errors are not emitted as unhandled: they show as command
 * rejections.
 */
export function connectRedis(url: string, options: { maxRetriesPerRequest?: number; connectTimeoutMs?: number } = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    enableAutoPipelining: false,
  });
  // Connection errors reach the caller as rejected commands; without a listener ioredis would
  // also print each reconnection failure as an "Unhandled error event". The last one is kept
  // to say why a command failed (`withRedisCause`).
  redis.on("error", (err: Error) => lastErrors.set(redis, err));
  return redis;
}

const lastErrors = new WeakMap<Redis, Error>();

/**
 * `err` (a rejected command) with where and why, when the connection failed: ioredis rejects a command that outlived its
 * reconnections with "Reached the max retries per request limit", which names neither the
 * server nor the cause. The address is host:port/db (no credentials).
 */
export function withRedisCause(redis: Redis, err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const cause = lastErrors.get(redis);
  // Not a connection failure (a malformed state document, say): as it is.
  if (cause === undefined && e.name !== "MaxRetriesPerRequestError") return e;
  const o = redis.options;
  const message = `Redis at ${o.host ?? "?"}:${o.port ?? "?"}/${o.db ?? 0}: ${e.message}${cause !== undefined && cause.message !== e.message ? ` (last connection error: ${cause.message})` : ""}`;
  return Object.assign(new Error(message), { cause: e });
}
