import type { Redis } from "ioredis";
import { parseStateDocument, serializeCommittedState, type CommittedState, type StateTableChanges, type StateTables } from "./committed-state";
import { connectRedis, withRedisCause } from "./redis-connection";
import { randomUUID } from "crypto";
import { StateContinuityError, type StateStore } from "./state-store";

/** Fields per HSET / HDEL command of a commit. */
const FIELDS_PER_COMMAND = 1000;

/**
 * A {@link StateStore} in Redis: the header and detectors in one string key `<prefix>:state`
 * (its stored JSON, listing the table names), each keyed table in a hash
 * `<prefix>:table:<name>` (field: key, value: the entry's JSON text), and `<prefix>:batch`
 * (the batch number, for operators), all written in one MULTI/EXEC transaction. A commit with
 * table changes sets and deletes only the fields changed; one without replaces the hashes
 * whole. `load` reads the keys in one MULTI/EXEC too, so a reader sees the old or the new
 * state, never part of one; a transaction that Redis refuses (e.g. out of memory, EXECABORT)
 * applies nothing. Durability is Redis's own (AOF/RDB settings): a Redis without persistence
 * loses the state when it restarts.
 *
 * One writer: a commit first checks (WATCH, then MULTI/EXEC) that Redis still holds what this
 * store last loaded or committed (`<prefix>:batch`, and `<prefix>:writer`, a random id of the
 * store that wrote it, which lets a commit whose reply was lost be retried). Otherwise it
 * throws StateContinuityError and writes nothing: the state was flushed, evicted or lost in a
 * restart (a commit of only the changed entries would then leave a half state, and copies would
 * pass as new events), or another process commits under the same prefix.
 */
export class RedisStateStore implements StateStore {
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #closed = { value: false };
  readonly #prefix: string;
  /** The key holding the committed header and detectors. */
  readonly stateKey: string;
  /** The key holding the committed batch number. */
  readonly batchKey: string;
  /** The key holding the id of the store that committed last. */
  readonly writerKey: string;
  /** This store's id, written to `writerKey` with each commit. */
  readonly writerId = randomUUID();
  /** `<prefix>:batch` as this store last loaded or committed it (null: absent); undefined before either. */
  #seenBatch: string | null | undefined = undefined;

  /**
   * @param redis a `redis://` URL (a connection is opened and closed by this store) or an
   *   ioredis connection (shared; not closed by this store).
   * @param prefix key prefix, e.g. `recover:pipeline-a`; keys are `<prefix>:state`, `<prefix>:batch`
   *   and `<prefix>:table:<name>`.
   */
  constructor(redis: string | Redis, prefix: string) {
    if (prefix.length === 0) throw new RangeError("RedisStateStore: empty key prefix");
    this.#owned = typeof redis === "string";
    this.#redis = typeof redis === "string" ? connectRedis(redis) : redis;
    this.#prefix = prefix;
    this.stateKey = `${prefix}:state`;
    this.batchKey = `${prefix}:batch`;
    this.writerKey = `${prefix}:writer`;
  }

  /** The hash holding table `name`. */
  tableKey(name: string): string {
    return `${this.#prefix}:table:${name}`;
  }

  async load(): Promise<CommittedState | null> {
    try {
      const state = await this.#load();
      this.#seenBatch = state === null ? null : String(state.batch);
      return state;
    } catch (err) {
      throw withRedisCause(this.#redis, err);
    }
  }

  async #load(): Promise<CommittedState | null> {
    // The table names are in the state; read it, then it and the tables it names atomically,
    // again if a commit changed the names in between. A text is parsed again only when a
    // commit came in between the two reads.
    const where = `redis key ${this.stateKey}`;
    const first = await this.#redis.get(this.stateKey);
    if (first === null) return null;
    let parsedText = first;
    let parsed = parseStateDocument(first, where);
    for (let attempt = 0; ; attempt++) {
      const names = namesIn(parsed.doc);
      const tx = this.#redis.multi().get(this.stateKey);
      for (const name of names) tx.hgetall(this.tableKey(name));
      const results = await tx.exec();
      if (results === null) throw new Error(`RedisStateStore: load of ${this.stateKey} aborted`);
      for (const [err] of results) if (err) throw new Error(`RedisStateStore: load of ${this.stateKey} failed: ${err.message}`, { cause: err });
      const text = results[0][1] as string | null;
      if (text === null) return null;
      if (text !== parsedText) {
        parsed = parseStateDocument(text, where);
        parsedText = text;
      }
      const now = namesIn(parsed.doc);
      if (now.length === names.length && now.every((n, i) => n === names[i])) {
        const tables = new Map<string, Map<string, string>>();
        names.forEach((name, i) => tables.set(name, new Map(Object.entries(results[i + 1][1] as Record<string, string>))));
        return { ...parsed.state, tables };
      }
      if (attempt >= 5) throw new Error(`RedisStateStore: the tables of ${this.stateKey} kept changing during load`);
    }
  }

  async commit(state: CommittedState, changes?: StateTableChanges): Promise<void> {
    try {
      await this.#commit(state, changes);
      this.#seenBatch = String(state.batch);
    } catch (err) {
      if (err instanceof StateContinuityError) throw err;
      throw withRedisCause(this.#redis, err);
    }
  }

  /** WATCHes the batch and writer keys and checks they hold what this store last saw (see the class doc). */
  async #watchContinuity(batch: number): Promise<void> {
    await this.#redis.watch(this.batchKey, this.writerKey);
    const [stored, writer] = await this.#redis.mget(this.batchKey, this.writerKey);
    // Our own commit of this very batch whose reply was lost counts as ours.
    if (stored === this.#seenBatch || (writer === this.writerId && stored === String(batch))) return;
    await this.#redis.unwatch();
    throw new StateContinuityError(
      `Redis ${this.#where()} no longer holds this stream's last commit under ${this.#prefix} (batch ${this.#seenBatch ?? "none"} expected, ${stored ?? "none"} found): ` +
        `it was flushed, evicted or restarted without persistence, or another process commits under the same prefix (the same --out path on another host). ` +
        `Stopped; this batch is not acknowledged`,
    );
  }

  #where(): string {
    const o = this.#redis.options;
    return `at ${o.host ?? "?"}:${o.port ?? "?"}/${o.db ?? 0}`;
  }

  async #commit(state: CommittedState, changes?: StateTableChanges): Promise<void> {
    const tables: StateTables = state.tables ?? new Map();
    const names = [...tables.keys()];
    const text = serializeCommittedState({ ...state, tables: new Map() }, { tables_in: names });
    const watching = this.#seenBatch !== undefined;
    if (watching) await this.#watchContinuity(state.batch);
    const tx = this.#redis.multi().set(this.stateKey, text).set(this.batchKey, String(state.batch)).set(this.writerKey, this.writerId);
    if (changes === undefined) {
      for (const name of names) {
        tx.del(this.tableKey(name));
        hset(tx, this.tableKey(name), tables.get(name) ?? new Map());
      }
    } else {
      for (const [name, entries] of changes) {
        const set = new Map<string, string>();
        const deleted: string[] = [];
        for (const [key, value] of entries) {
          if (value === null) deleted.push(key);
          else set.set(key, value);
        }
        hset(tx, this.tableKey(name), set);
        for (let i = 0; i < deleted.length; i += FIELDS_PER_COMMAND) tx.hdel(this.tableKey(name), ...deleted.slice(i, i + FIELDS_PER_COMMAND));
      }
    }
    const results = await tx.exec();
    if (results === null && watching) {
      throw new StateContinuityError(`Redis ${this.#where()}: another process committed under ${this.#prefix} during this commit; stopped, this batch is not acknowledged`);
    }
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

/** Queues HSETs of `entries` into `tx`, at most FIELDS_PER_COMMAND fields each. */
function hset(tx: ReturnType<Redis["multi"]>, key: string, entries: ReadonlyMap<string, string>): void {
  let args: string[] = [];
  for (const [field, value] of entries) {
    args.push(field, value);
    if (args.length === 2 * FIELDS_PER_COMMAND) {
      tx.hset(key, ...args);
      args = [];
    }
  }
  if (args.length > 0) tx.hset(key, ...args);
}

/** The table names a stored state lists (none for a state written before tables). */
function namesIn(doc: Record<string, unknown>): string[] {
  const names = doc["tables_in"];
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
}
