import type { RecoveryConfig } from "../config";
import { correctEvent, rewritesEvent } from "../corrections/correct-event";
import type { CorrectionEvent } from "../corrections/correction";
import type { RateTable } from "../corrections/rate-table";
import type { ReceivedEvent } from "../event";
import type { Finding } from "../flag";
import { getPath, isPlainObject } from "../json-path";

/**
 * Corrections of kept events (after dedup, so a discarded copy is never corrected or
 * flagged): field swap -> arithmetic -> currency (on the corrected amount) -> call checks,
 * through `correctEvent` (src/corrections). A corrected event's `raw` carries the corrected
 * data and a top-level `corrections` list (`{correction_id, field, before, after, rule,
 * flag_id}`); an event that already carries a correction id is not corrected again, so
 * replaying the output changes nothing. Still exactly one record per event.
 *
 * `rates` null switches currency revalidation off (no `--rates` given): the other rules run.
 * Only events validation marked `correctable` (exactly when it knew the rates, else a
 * conservative prefilter; see src/corrections/candidate.ts) are parsed again, so the rest cost
 * nothing.
 *
 * @example
 * // order.paid {amount: 60.24, currency: "AUD", amount_usd: 50} at 1.5 AUD/USD
 * // -> amount_usd 40.16, corrections [{field: "data.amount_usd", before: 50, after: 40.16, ...}],
 * //    flag currency_mismatch
 */
export function correctKeptEvent(event: ReceivedEvent, rates: RateTable | null, config: RecoveryConfig): { event: ReceivedEvent; findings: Finding[] } {
  if (!event.correctable) return { event, findings: [] };
  const obj: unknown = JSON.parse(event.raw);
  const data = getPath(obj, config.envelope.data);
  if (!isPlainObject(obj) || !isPlainObject(data)) return { event, findings: [] };
  const input: CorrectionEvent = {
    event_id: event.event_id,
    event_type: event.event_type,
    timestamp: event.timestamp,
    source: event.source,
    data,
    corrections: Object.prototype.hasOwnProperty.call(obj, "corrections") ? obj["corrections"] : undefined,
  };
  const result = correctEvent(input, rates, config.corrections);
  if (!rewritesEvent(input, result)) return { event, findings: result.findings };
  const rewritten = withPath({ ...obj, corrections: result.corrections }, config.envelope.data.split("."), result.data);
  return { event: { ...event, raw: JSON.stringify(rewritten) }, findings: result.findings };
}

function withPath(obj: Record<string, unknown>, steps: string[], value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  const head = steps[0];
  const child = steps.length === 1 ? value : withPath(isPlainObject(obj[head]) ? (obj[head] as Record<string, unknown>) : {}, steps.slice(1), value);
  Object.defineProperty(out, head, { value: child, enumerable: true, writable: true, configurable: true });
  return out;
}
