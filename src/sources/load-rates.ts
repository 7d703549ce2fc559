import * as fs from "fs";
import type { RecoveryConfig } from "../config";
import { addDays, datesWithFallback, utcDateOf } from "../corrections/rate-table";
import type { RateTable } from "../corrections/rate-table";
import type { OpenExchangeRates } from "../corrections/rates/open-exchange-rates";
import { SnapshotRates } from "../corrections/rates/snapshot-rates";

/**
 * Loads the rate table a run needs before the pipeline starts (DoFns do no network I/O).
 * `spec`: a directory of `YYYY-MM-DD.json` snapshots, a JSON-lines file of snapshots, or
 * `oxr` for the Open Exchange Rates API (app id from `OXR_APP_ID`). The dates are every UTC
 * date a valid event can have (processing time minus the stale limit up to plus the future
 * limit) and the fallback days before them.
 */
export async function loadRates(spec: string, config: RecoveryConfig, nowMs: number): Promise<RateTable> {
  return ratesLoader(spec, config)(nowMs);
}

/**
 * `loadRates` for successive processing times from one source (`recover stream` loads again
 * on each new UTC date). Snapshots are read again at every load (files may have been added).
 * With `oxr`, one client serves every load, so a load fetches only the dates no earlier load
 * fetched, plus those that were the processing date or later then (their rates were still
 * changing): about 2 requests a day instead of the 38 of a full window.
 *
 * @throws Error (rejects) when a snapshot path does not exist or a provider fails.
 */
export function ratesLoader(spec: string, config: RecoveryConfig, oxr: OpenExchangeRates | null = null): (nowMs: number) => Promise<RateTable> {
  let client = oxr;
  let lastDay: string | null = null;
  return async (nowMs: number) => {
    const wanted = wantedDates(config, nowMs);
    if (spec === "oxr") {
      // Loaded on first use: its HTTP client (axios) costs ~100 ms of start-up to runs without it.
      client ??= new (await import("../corrections/rates/open-exchange-rates.js")).OpenExchangeRates();
      if (lastDay !== null) client.forgetFrom(lastDay);
      const table = await client.ratesFor(wanted);
      lastDay = utcDateOf(nowMs);
      return table;
    }
    if (!fs.existsSync(spec)) throw new Error(`--rates: ${spec} does not exist`);
    const provider = fs.statSync(spec).isDirectory() ? new SnapshotRates({ dir: spec }) : new SnapshotRates({ jsonl: spec });
    return provider.ratesFor(wanted);
  };
}

/** Every UTC date a valid event can have at `nowMs`, with the fallback days before them. */
function wantedDates(config: RecoveryConfig, nowMs: number): string[] {
  const first = utcDateOf(nowMs - config.validation.max_age_ms);
  const last = utcDateOf(nowMs + config.validation.max_future_ms);
  const dates: string[] = [];
  for (let d: string | null = first; d !== null && d <= last; d = addDays(d, 1)) dates.push(d);
  return datesWithFallback(dates, config.corrections.max_fallback_days);
}
