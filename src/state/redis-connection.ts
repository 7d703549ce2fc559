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
  // also print each reconnection failure as an "Unhandled error event".
  redis.on("error", () => undefined);
  return redis;
}
