/**
 * Runs the correction cores (src/corrections `correctEvent`, default config) over generated events
 * with the rates snapshot the generator wrote, loaded through `SnapshotRates({ jsonl })`.
 */
import { DEFAULT_CORRECTION_CONFIG } from "../../src/corrections/config";
import { correctEvent, type CorrectEventResult } from "../../src/corrections/correct-event";
import { datesWithFallback, utcDate, type RateTable } from "../../src/corrections/rate-table";
import { SnapshotRates } from "../../src/corrections/rates/snapshot-rates";

export interface OracleEvent {
  readonly event_id: string;
  readonly source: string;
  readonly event_type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

/** The rate table for the events' dates (and their fallback days) from a JSON-lines snapshot. */
export async function loadRates(jsonl: string, events: ReadonlyArray<OracleEvent>): Promise<RateTable> {
  const dates = new Set<string>();
  for (const e of events) {
    const d = utcDate(e.timestamp);
    if (d !== null) dates.add(d);
  }
  return new SnapshotRates({ jsonl }).ratesFor(datesWithFallback([...dates]));
}

export function correct(event: OracleEvent, rates: RateTable): CorrectEventResult {
  return correctEvent(event, rates, DEFAULT_CORRECTION_CONFIG);
}
