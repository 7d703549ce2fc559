/**
 * A Map that records which keys were set or deleted, so a commit can write only those.
 *
 * The streaming state wraps its large per-source maps (dedup ids, used sequence numbers, data
 * digests) and its anomaly counts in it once committed, and holds its sources in one; the
 * cores keep using them as plain Maps.
 */
export class TrackedMap<K, V> extends Map<K, V> {
  #changed = new Set<K>();

  /** An empty map (the Map constructor's entries argument would call `set` before the fields exist). */
  constructor() {
    super();
  }

  override set(key: K, value: V): this {
    this.#changed.add(key);
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    const had = super.delete(key);
    if (had) this.#changed.add(key);
    return had;
  }

  override clear(): void {
    for (const key of super.keys()) this.#changed.add(key);
    super.clear();
  }

  /** The keys set or deleted since the last call (a key both set and deleted is listed once); forgets them. */
  takeChanged(): Set<K> {
    const changed = this.#changed;
    this.#changed = new Set();
    return changed;
  }
}
