import { Redis } from "ioredis";

/**
 * An ioredis connection to `url` (`redis://[user:pass@]host:port/db`, `rediss://` for TLS) that
 * fails commands instead of queueing them forever while Redis is away: a command is retried on
 * at most `maxRetriesPerRequest` reconnections (default 2), then rejects. The caller owns it
 * (`quit()` when done).
 */
export function connectRedis(url: string, options: { maxRetriesPerRequest?: number; connectTimeoutMs?: number } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    enableAutoPipelining: false,
  });
}
