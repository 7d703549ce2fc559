import type { Redis } from "ioredis";
import { parseCommittedState, serializeCommittedState, type CommittedState } from "./committed-state";
import { connectRedis } from "./redis-connection";
import type { StateStore } from "./state-store";

/**
 * A {@link StateStore} in Redis: the committed state is one string key `<prefix>:state` (its
 * stored JSON), written together with `<prefix>:batch` (the batch number, for operators) in one
 * MULTI/EXEC transaction. A single SET is atomic, so a reader sees the old or the new state,
 * never part of one; a transaction that Redis refuses (e.g. out of memory, EXECABORT) applies
 * nothing. Durability is Redis's own (AOF/RDB settings): a Redis without persistence loses the
 * state when it restarts.
 */
export class RedisStateStore implements StateStore {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #closed = { value: false };
  /** The key holding the committed state. */
  readonly stateKey: string;
  /** The key holding the committed batch number. */
  readonly batchKey: string;

  /**
   * @param redis a `redis://` URL (a connection is opened and closed by this store) or an
   *   ioredis connection (shared; not closed by this store).
   * @param prefix key prefix, e.g. `recover:pipeline-a`; keys are `<prefix>:state` and `<prefix>:batch`.
   */
  constructor(redis: string | Redis, prefix: string) {
    if (prefix.length === 0) throw new RangeError("RedisStateStore: empty key prefix");
    this.#owned = typeof redis === "string";
    this.#redis = typeof redis === "string" ? connectRedis(redis) : redis;
    this.stateKey = `${prefix}:state`;
    this.batchKey = `${prefix}:batch`;
  }

  async load(): Promise<CommittedState | null> {
    const text = await this.#redis.get(this.stateKey);
    return text === null ? null : parseCommittedState(text, `redis key ${this.stateKey}`);
  }

  async commit(state: CommittedState): Promise<void> {
    const text = serializeCommittedState(state);
    const results = await this.#redis.multi().set(this.stateKey, text).set(this.batchKey, String(state.batch)).exec();
    if (results === null) throw new Error(`RedisStateStore: transaction on ${this.stateKey} aborted`);
    for (const [err] of results) {
      if (err) throw new Error(`RedisStateStore: commit of ${this.stateKey} failed: ${err.message}`, { cause: err });
    }
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
