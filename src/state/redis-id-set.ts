import type { Redis } from "ioredis";
import { connectRedis } from "./redis-connection";

/** Ids per pipeline sent to Redis in one round trip. */
export const ID_SET_PIPELINE_SIZE = 10_000;

/**
 * A set of ids in Redis with expiry, for deduplication across micro-batches and restarts: each
 * id is a key `<prefix>:<id>` set with `SET key 1 NX EX ttl`.
 *
 * @example
 * const seen = new RedisIdSet("redis://127.0.0.1:6379/0", "recover:ids");
 * await seen.addIfAbsent(["a", "b", "a"], 86_400); // -> [true, true, false]
 * await seen.addIfAbsent(["a"], 86_400);           // -> [false]
 */
export class RedisIdSet {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #closed = { value: false };
  readonly prefix: string;

  /**
   * @param redis a `redis://` URL (a connection is opened and closed here) or an ioredis
   *   connection (shared; not closed here).
   * @param prefix key prefix; an id's key is `<prefix>:<id>`.
   */
  constructor(redis: string | Redis, prefix: string) {
    if (prefix.length === 0) throw new RangeError("RedisIdSet: empty key prefix");
    this.#owned = typeof redis === "string";
    this.#redis = typeof redis === "string" ? connectRedis(redis) : redis;
    this.prefix = prefix;
  }

  /**
   * Adds the ids that are absent, each expiring `ttlSeconds` after this call (an id already
   * present keeps its older expiry). Returns, per id in order, true when this call added it
   * (first sighting within the TTL) and false when it was present, including an earlier
   * occurrence in the same call. Pipelined in chunks of {@link ID_SET_PIPELINE_SIZE}; not atomic
   * as a whole: if it rejects, some ids may have been added.
   *
   * @throws RangeError when `ttlSeconds` is not a positive integer.
   */
  async addIfAbsent(ids: ReadonlyArray<string>, ttlSeconds: number): Promise<boolean[]> {
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw new RangeError(`RedisIdSet: ttlSeconds must be a positive integer, got ${ttlSeconds}`);
    const out: boolean[] = [];
    for (let start = 0; start < ids.length; start += ID_SET_PIPELINE_SIZE) {
      const chunk = ids.slice(start, start + ID_SET_PIPELINE_SIZE);
      const pipeline = this.#redis.pipeline();
      for (const id of chunk) pipeline.set(this.key(id), "1", "EX", ttlSeconds, "NX");
      const results = await pipeline.exec();
      if (results === null) throw new Error("RedisIdSet: pipeline aborted");
      for (const [err, reply] of results) {
        if (err) throw new Error(`RedisIdSet: SET NX failed: ${err.message}`, { cause: err });
        out.push(reply === "OK");
      }
    }
    return out;
  }

  /** The Redis key of an id. */
  key(id: string): string {
    return `${this.prefix}:${id}`;
  }

  async close(): Promise<void> {
    if (this.#closed.value) return;
    this.#closed.value = true;
    if (!this.#owned) return;
    // quit() sends what is queued and waits for Redis; a connection that is not up is dropped.
    if (this.#redis.status === "ready") await this.#redis.quit();
    else this.#redis.disconnect();
  }
}
