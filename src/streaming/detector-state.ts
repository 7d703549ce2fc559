/**
 * All detector state of a run, by key: what the per-key Beam stages read and update. A
 * bounded run starts from an empty state and ends with `final`; the streaming loop keeps one
 * across micro-batches and commits its JSON form (`toJson` / `fromJson`) to a state store
 * after each batch's outputs are durable.
 *
 * Lives in a module-level registry keyed by state id, so DoFns (serialized by reference to
 * this module) reach it on the DirectRunner. Bounds: dedup ids, near-duplicate anchors, gap
 * bookkeeping and open chains are evicted once the watermark passes them by their horizon;
 * business keys grow with the number of distinct keys (`business_key_retention_ms` caps
 * them); anomaly history keeps the weeks its baseline needs.
 *
 * Committed in two parts, so a commit costs what a batch changed rather than the whole state:
 * keyed tables, one JSON text per entry, of which a commit writes the entries its batch set or
 * deleted (`chains` and `businessKeys`, listed in `changed` by the stages that touch them; each
 * source's dedup ids, used sequence numbers and kept data digests, tables `dedupIds:<source>`,
 * `sequenceNumbers:<source>` and `nearDuplicateData:<source>`, tracked by their `TrackedMap`;
 * the rest of each source run in the batch, table `sources`; the anomaly counts of each
 * series, table `anomalyCounts`, tracked by a `TrackedMap`), and the rest (`smallJson`: the
 * anomaly clocks, counters), written whole. A source the batch did not run, or a series it did
 * not count, costs its commit nothing.
 */
import type { AnomalyState } from "../anomalies/state";
import type { SeriesKey } from "../anomalies/series";
import type { ReceivedEvent } from "../event";
import type { ChainState } from "../transforms/check-dependency-chains";
import type { BusinessKeyState } from "../transforms/enforce-unique-business-keys";
import type { SourceState } from "../transforms/recover-source-stream";
import { upgradeDedupState, type DedupState } from "../transforms/dedupe-by-event-id";
import { upgradeGapState, type GapState } from "../transforms/detect-sequence-gaps";
import { upgradeNearDuplicateState } from "../transforms/discard-near-duplicates";
import { TrackedMap } from "./tracked-map";

export interface DetectorState {
  /**
   * By source name. A `TrackedMap`: the per-source stage sets each source it runs, so a commit
   * writes those and no other (a silent source costs its commit nothing).
   */
  readonly sources: TrackedMap<string, SourceState>;
  /** Key `JSON.stringify([chain index, key value])`. */
  readonly chains: Map<string, ChainState>;
  /** Key `JSON.stringify([rule index, business key])`. */
  readonly businessKeys: Map<string, BusinessKeyState>;
  anomalies: AnomalyState | null;
  /** Largest valid event time seen so far (epoch ms); -Infinity before the first. */
  maxEventTime: number;
  /** Input lines consumed so far: the next batch's lines are numbered after them. */
  lines: number;
  /** The last batch's watermark (its stage clock's `ms`), once there is one: see `StageClock.passedMs`. */
  lastClockMs?: number;
  /** The last non-final batch's watermark: see `StageClock.evictedMs`. */
  lastEvictionMs?: number;
  /** Keys of each keyed table set or deleted since the last `takeChanges` (see `markChanged`). */
  readonly changed: { readonly [T in TableName]: Set<string> };
  /**
   * True for a state read from a commit (`fromCommitted`: the streaming loop's), which outlives
   * this pass: its stages keep what later arrivals need even when the clock is final. Absent for
   * a bounded run's fresh state.
   */
  persistent?: boolean;
}

/** The state's own keyed tables, committed entry by entry. */
export const TABLE_NAMES = ["chains", "businessKeys"] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/** A per-source map committed as a table: how to reach it in a source's state. */
interface SourceTable {
  get(source: SourceState): Map<unknown, unknown>;
  set(source: SourceState, map: Map<unknown, unknown>): void;
  /** The map's key from its text in the table. */
  key(text: string): unknown;
}

/**
 * The per-source maps committed entry by entry (they grow with the dedup horizon's traffic):
 * event_id -> event time, sequence number -> {eventId, eventTime}.
 */
const SOURCE_TABLES: ReadonlyArray<[string, SourceTable]> = [
  ["dedupIds", { get: (s) => s.dedup.kept, set: (s, map) => ((s.dedup as { kept: unknown }).kept = map), key: (text) => text }],
  ["sequenceNumbers", { get: (s) => s.gaps.used, set: (s, map) => ((s.gaps as { used: unknown }).used = map), key: Number }],
  ["nearDuplicateData", { get: (s) => s.nearDuplicates.digests, set: (s, map) => ((s.nearDuplicates as { digests: unknown }).digests = map), key: (text) => text }],
];

/** The table of each source's state without its `SOURCE_TABLES` maps: source name -> JSON text. */
export const SOURCES_TABLE = "sources";

/** The table of the anomaly counts: series id -> `{"key": SeriesKey, "counts": [[interval start, count], ...]}`. */
export const ANOMALY_COUNTS_TABLE = "anomalyCounts";

/** Table -> key -> the entry's JSON text. */
export type TableTexts = Map<string, Map<string, string>>;
/** What a batch changed: table -> key -> the entry's new JSON text, or null when it was deleted. */
export type TableChanges = Map<string, Map<string, string | null>>;

export function emptyDetectorState(): DetectorState {
  return { sources: new TrackedMap(), chains: new Map(), businessKeys: new Map(), anomalies: null, maxEventTime: -Infinity, lines: 0, changed: { chains: new Set(), businessKeys: new Set() } };
}

/** Records that `key` of `table` was set or deleted: every writer of a keyed table calls it. */
export function markChanged(state: DetectorState, table: TableName, key: string): void {
  state.changed[table].add(key);
}

const registry = new Map<string, DetectorState>();

/** The state registered under `id`, created empty on first use. */
export function detectorState(id: string): DetectorState {
  let s = registry.get(id);
  if (s === undefined) {
    s = emptyDetectorState();
    registry.set(id, s);
  }
  return s;
}

export function registerDetectorState(id: string, state: DetectorState): void {
  registry.set(id, state);
}

export function dropDetectorState(id: string): void {
  registry.delete(id);
}

/** JSON replacer of the committed forms: Maps and Sets become tagged arrays, infinities tagged numbers. */
function tagged(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value.entries()] };
  if (value instanceof Set) return { $set: [...value.values()] };
  if (value === Infinity) return { $num: "Infinity" };
  if (value === -Infinity) return { $num: "-Infinity" };
  return value;
}

/** JSON reviver undoing `tagged`. */
function untagged(_key: string, value: unknown): unknown {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v["$map"])) return new Map(v["$map"] as Array<[unknown, unknown]>);
    if (Array.isArray(v["$set"])) return new Set(v["$set"] as unknown[]);
    if (typeof v["$num"] === "string") return Number(v["$num"]);
  }
  return value;
}

/** The whole state as one JSON text (tests, and the form committed before the split). */
export function toJson(state: DetectorState): string {
  const { sources, chains, businessKeys, anomalies, maxEventTime, lines, lastClockMs, lastEvictionMs } = state;
  return JSON.stringify({ sources, chains, businessKeys, anomalies, maxEventTime, lines, lastClockMs, lastEvictionMs }, tagged);
}

/** The state without its keyed tables (sources and anomaly counts included), as JSON: what a commit writes whole. */
export function smallJson(state: DetectorState): string {
  const { maxEventTime, lines, lastClockMs, lastEvictionMs } = state;
  const anomalies = state.anomalies === null ? null : { ...state.anomalies, counts: new Map(), series: new Map() };
  return JSON.stringify({ sources: new Map(), chains: new Map(), businessKeys: new Map(), anomalies, maxEventTime, lines, lastClockMs, lastEvictionMs }, tagged);
}

/** A source's entry in the `sources` table: its state without the maps committed as tables of their own. */
function sourceText(s: SourceState): string {
  return JSON.stringify({ ...s, dedup: { ...s.dedup, kept: new Map() }, gaps: { ...s.gaps, used: new Map() }, nearDuplicates: { ...s.nearDuplicates, digests: new Map() } }, tagged);
}

/** A source's state as committed by an earlier version, in the current forms. */
function upgradeSource(source: SourceState): SourceState {
  (source as { dedup: DedupState }).dedup = upgradeDedupState(source.dedup);
  (source as { gaps: GapState }).gaps = upgradeGapState(source.gaps);
  upgradeNearDuplicateState(source.nearDuplicates);
  return source;
}

/**
 * The keyed-table entries changed since the last call, as JSON texts (null: deleted), and
 * forgets them: the next call lists only later changes.
 */
export function takeChanges(state: DetectorState): TableChanges {
  const out: TableChanges = new Map();
  for (const table of TABLE_NAMES) {
    const entries = state[table] as Map<string, unknown>;
    const changes = new Map<string, string | null>();
    for (const key of state.changed[table]) {
      const value = entries.get(key);
      changes.set(key, value === undefined ? null : JSON.stringify(value, tagged));
    }
    state.changed[table].clear();
    out.set(table, changes);
  }
  // The sources set (run) since the last call; only these can have changed.
  const sources = new Map<string, string | null>();
  const touched: Array<[string, SourceState]> = [];
  for (const name of state.sources.takeChanged()) {
    const source = state.sources.get(name);
    sources.set(name, source === undefined ? null : sourceText(source));
    if (source !== undefined) touched.push([name, source]);
  }
  out.set(SOURCES_TABLE, sources);
  if (state.anomalies !== null) out.set(ANOMALY_COUNTS_TABLE, anomalyChanges(state.anomalies));
  for (const [table, access] of SOURCE_TABLES) {
    for (const [name, source] of touched) {
      const changes = new Map<string, string | null>();
      const map = access.get(source);
      const keys = changedKeys(map, (tracked) => access.set(source, tracked));
      // Texts built the fast way for the many entries of a batch: these keys are strings (kept
      // as they are, with their hashes) or integers, these values finite numbers or plain
      // objects of strings and finite numbers (nothing for `tagged` to do).
      for (const key of keys) {
        const value = map.get(key);
        const text = value === undefined ? null : typeof value === "number" ? String(value) : JSON.stringify(value);
        changes.set(typeof key === "number" ? String(key) : (key as string), text);
      }
      if (changes.size > 0) out.set(`${table}:${name}`, changes);
    }
  }
  return out;
}

/** The anomaly series changed since the last call, as table entries; leaves the counts tracked. */
function anomalyChanges(anomalies: AnomalyState): Map<string, string | null> {
  const changes = new Map<string, string | null>();
  const counts = anomalies.counts;
  for (const id of changedKeys(counts, (tracked) => ((anomalies as { counts: unknown }).counts = tracked))) {
    const byInterval = counts.get(id);
    changes.set(id, byInterval === undefined ? null : JSON.stringify({ key: anomalies.series.get(id), counts: [...byInterval] }));
  }
  return changes;
}

/**
 * The keys of `map` set or deleted since the last call. A plain Map is new since then (a source
 * or an anomaly state created by this batch): all its keys, and `track` gets a tracked copy to
 * hold in its place, so the next call lists only later changes.
 */
function changedKeys<K, V>(map: Map<K, V>, track: (tracked: TrackedMap<K, V>) => void): Iterable<K> {
  if (map instanceof TrackedMap) return map.takeChanged();
  track(trackedCopy(map));
  return map.keys();
}

/** `map`'s entries in a TrackedMap with no changes recorded. */
function trackedCopy<K, V>(map: Map<K, V>): TrackedMap<K, V> {
  const tracked = new TrackedMap<K, V>();
  for (const [k, v] of map) tracked.set(k, v);
  tracked.takeChanged();
  return tracked;
}

/**
 * Applies `changes` to `tables` in place and returns the changes that undo them (the texts
 * replaced, null where an entry was added). Entries that leave a text as it was (a chain
 * ticked by the watermark without news) are removed from `changes`: a store writes none of them.
 */
export function applyChanges(tables: TableTexts, changes: TableChanges): TableChanges {
  const undo: TableChanges = new Map();
  for (const [table, entries] of changes) {
    let texts = tables.get(table);
    if (texts === undefined) tables.set(table, (texts = new Map()));
    const back = new Map<string, string | null>();
    for (const [key, text] of entries) {
      const before = texts.get(key) ?? null;
      if (text === before) {
        entries.delete(key);
        continue;
      }
      if (!back.has(key)) back.set(key, before);
      if (text === null) texts.delete(key);
      else texts.set(key, text);
    }
    undo.set(table, back);
  }
  return undo;
}

/**
 * The state committed as `smallJson` text plus keyed-table texts, with its per-source tables
 * tracked. A text of an older form is read too: the whole form (`toJson`, tables inside), whose
 * table entries count as changed, and the form with the sources inside (before 2026-11-27),
 * whose sources count as touched: the next commit writes them to the tables.
 */
export function fromCommitted(small: string, tables: TableTexts): DetectorState {
  const state = fromJson(small);
  // Sources inside the small part (the older form) stay marked changed; those of the table not.
  const inside = [...state.sources.takeChanged()];
  for (const [name, text] of tables.get(SOURCES_TABLE) ?? []) state.sources.set(name, upgradeSource(JSON.parse(text, untagged) as SourceState));
  state.sources.takeChanged();
  for (const name of inside) state.sources.set(name, state.sources.get(name) as SourceState);
  if (state.anomalies !== null) {
    const counts = new TrackedMap<string, Map<number, number>>();
    for (const [id, text] of tables.get(ANOMALY_COUNTS_TABLE) ?? []) {
      const entry = JSON.parse(text) as { key: SeriesKey; counts: Array<[number, number]> };
      counts.set(id, new Map(entry.counts));
      state.anomalies.series.set(id, entry.key);
    }
    counts.takeChanged();
    // Counts of the form with them inside (before 2026-11-27) are changes: the next commit writes them.
    for (const [id, byInterval] of state.anomalies.counts) counts.set(id, byInterval);
    (state.anomalies as { counts: unknown }).counts = counts;
  } else if ((tables.get(ANOMALY_COUNTS_TABLE)?.size ?? 0) > 0) throw new Error(`state: table ${ANOMALY_COUNTS_TABLE} holds series of no anomaly state`);
  for (const table of TABLE_NAMES) {
    const entries = state[table] as Map<string, unknown>;
    for (const key of entries.keys()) markChanged(state, table, key);
    for (const [key, text] of tables.get(table) ?? []) entries.set(key, JSON.parse(text, untagged));
  }
  state.persistent = true;
  for (const [table, access] of SOURCE_TABLES) {
    // Entries of a source the state does not hold cannot be placed (an empty table can be
    // left by a rolled-back commit of a batch that brought a new source).
    for (const [name, entries] of tables) {
      if (entries.size === 0) continue;
      if (name === table || (name.startsWith(`${table}:`) && !state.sources.has(name.slice(table.length + 1)))) {
        throw new Error(`state: table ${name} names no source the state holds`);
      }
    }
    for (const [name, source] of state.sources) {
      const map = new TrackedMap<unknown, unknown>();
      for (const [key, text] of tables.get(`${table}:${name}`) ?? []) map.set(access.key(key), JSON.parse(text, untagged));
      map.takeChanged();
      // Entries of the whole form are changes: the next commit writes them to the table.
      for (const [k, v] of access.get(source)) map.set(k, v);
      access.set(source, map);
    }
  }
  return state;
}

export function fromJson(text: string): DetectorState {
  const parsed = JSON.parse(text, untagged) as Omit<DetectorState, "changed" | "sources"> & { sources: Map<string, SourceState> };
  const sources = new TrackedMap<string, SourceState>();
  for (const [name, source] of parsed.sources) sources.set(name, upgradeSource(source));
  return { ...parsed, sources, changed: { chains: new Set(), businessKeys: new Set() } };
}

/** Number of entries held, for the progress line and the memory-flatness check. */
export function stateSize(state: DetectorState): number {
  let n = state.chains.size + state.businessKeys.size;
  for (const s of state.sources.values()) n += s.dedup.kept.size + s.held.length + s.nearDuplicates.recent.size + s.nearDuplicates.digests.size + s.gaps.pending.numbers.length + (s.gaps.below?.numbers.length ?? 0) + s.gaps.used.size;
  return n;
}

export type { ReceivedEvent };
