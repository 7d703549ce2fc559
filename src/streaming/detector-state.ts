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
 */
import type { AnomalyState } from "../anomalies/state";
import type { ReceivedEvent } from "../event";
import type { ChainState } from "../transforms/check-dependency-chains";
import type { BusinessKeyState } from "../transforms/enforce-unique-business-keys";
import type { SourceState } from "../transforms/recover-source-stream";
import { upgradeDedupState, type DedupState } from "../transforms/dedupe-by-event-id";
import { upgradeGapState, type GapState } from "../transforms/detect-sequence-gaps";
import { upgradeNearDuplicateState } from "../transforms/discard-near-duplicates";

export interface DetectorState {
  readonly sources: Map<string, SourceState>;
  /** Key `JSON.stringify([chain index, key value])`. */
  readonly chains: Map<string, ChainState>;
  /** Key `JSON.stringify([rule index, business key])`. */
  readonly businessKeys: Map<string, BusinessKeyState>;
  anomalies: AnomalyState | null;
  /** Largest valid event time seen so far (epoch ms); -Infinity before the first. */
  maxEventTime: number;
  /** Input lines consumed so far: the next batch's lines are numbered after them. */
  lines: number;
}

export function emptyDetectorState(): DetectorState {
  return { sources: new Map(), chains: new Map(), businessKeys: new Map(), anomalies: null, maxEventTime: -Infinity, lines: 0 };
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

/** JSON form: Maps and Sets become tagged arrays; events stay as they are. */
export function toJson(state: DetectorState): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (value instanceof Map) return { $map: [...value.entries()] };
    if (value instanceof Set) return { $set: [...value.values()] };
    if (value === Infinity) return { $num: "Infinity" };
    if (value === -Infinity) return { $num: "-Infinity" };
    return value;
  });
}

export function fromJson(text: string): DetectorState {
  const state = JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      if (Array.isArray(v["$map"])) return new Map(v["$map"] as Array<[unknown, unknown]>);
      if (Array.isArray(v["$set"])) return new Set(v["$set"] as unknown[]);
      if (typeof v["$num"] === "string") return Number(v["$num"]);
    }
    return value;
  }) as DetectorState;
  // A state committed by an earlier version, in the current forms.
  for (const source of state.sources.values()) {
    (source as { dedup: DedupState }).dedup = upgradeDedupState(source.dedup);
    (source as { gaps: GapState }).gaps = upgradeGapState(source.gaps);
    upgradeNearDuplicateState(source.nearDuplicates);
  }
  return state;
}

/** Number of entries held, for the progress line and the memory-flatness check. */
export function stateSize(state: DetectorState): number {
  let n = state.chains.size + state.businessKeys.size;
  for (const s of state.sources.values()) n += s.dedup.kept.size + s.held.length + s.nearDuplicates.recent.size + s.gaps.pending.numbers.length + s.gaps.used.size;
  return n;
}

export type { ReceivedEvent };
