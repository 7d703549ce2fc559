import * as fs from "fs";
import type { RecoveryConfig } from "../config";
import { addDays, datesWithFallback } from "../corrections/rate-table";
import type { RateTable } from "../corrections/rate-table";
import { OpenExchangeRates } from "../corrections/rates/open-exchange-rates";
import { SnapshotRates } from "../corrections/rates/snapshot-rates";

/**
 * Loads the rate table a run needs before the pipeline starts (DoFns do no network I/O).
 * `spec`: a directory of `YYYY-MM-DD.json` snapshots, a JSON-lines file of snapshots, or
 * `oxr` for the Open Exchange Rates API (app id from `OXR_APP_ID`). The dates are every UTC
 * date a valid event can have (processing time minus the stale limit up to plus the future
 * limit) and the fallback days before them.
 */
export async function loadRates(spec: string, config: RecoveryConfig, nowMs: number): Promise<RateTable> {
  const first = new Date(nowMs - config.validation.max_age_ms).toISOString().slice(0, 10);
  const last = new Date(nowMs + config.validation.max_future_ms).toISOString().slice(0, 10);
  const dates: string[] = [];
  for (let d: string | null = first; d !== null && d <= last; d = addDays(d, 1)) dates.push(d);
  const wanted = datesWithFallback(dates, config.corrections.max_fallback_days);
  if (spec === "oxr") return new OpenExchangeRates().ratesFor(wanted);
  if (!fs.existsSync(spec)) throw new Error(`--rates: ${spec} does not exist`);
  const provider = fs.statSync(spec).isDirectory() ? new SnapshotRates({ dir: spec }) : new SnapshotRates({ jsonl: spec });
  return provider.ratesFor(wanted);
}
