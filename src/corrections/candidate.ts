import type { CorrectionConfig } from "./config";
import { CALL_COMPLETED, numeric } from "./call-checks";
import { correctEvent, rewritesEvent } from "./correct-event";
import type { CorrectionEvent } from "./correction";
import { phoneMayHoldEmail } from "./field-swap";
import { matchesEventType } from "./event-type-pattern";
import { getPath } from "./paths";
import type { RateTable } from "./rate-table";
import { surelyUnchanged } from "./surely-unchanged";

/**
 * Could any correction rule act on this event? A conservative prefilter evaluated once on the
 * parsed event during validation, so the correction stage re-parses only the events it may
 * change or flag: a contact object whose `phone` holds an `@` (field swap), line items on an
 * order type (arithmetic), a USD amount (currency), a `call.completed` whose duration is <= 0 or that
 * carries a `corrections` list (`carriesCorrections`, default true), or a type with range
 * rules. False only when every rule would return the event unchanged with no finding.
 *
 * `mayNeedCorrection({contact: {phone: "+1 555"}}, "lead.created", config)` -> false.
 */
export function mayNeedCorrection(data: Record<string, unknown>, eventType: string, config: CorrectionConfig, carriesCorrections = true): boolean {
  if (phoneMayHoldEmail(data, config)) return true;
  if (getPath(data, config.items_path) !== undefined && matchesEventType(config.arithmetic_event_types, eventType)) return true;
  const usd = getPath(data, config.amount_usd_path);
  if (usd !== undefined && usd !== null) return true;
  if (eventType === CALL_COMPLETED) {
    // The call check flags only a numeric duration <= 0. An incoming `corrections` list is
    // re-normalized by any rule that runs, so such an event stays a candidate.
    if (carriesCorrections) return true;
    const duration = numeric(getPath(data, config.duration_path));
    if (duration !== null && duration <= 0) return true;
  }
  return config.range_rules.some((r) => r.event_type === eventType);
}

/**
 * Exactly whether the correction stage would rewrite or flag this event: the prefilter above,
 * then the floating-point proof that nothing changes (`surelyUnchanged`, which settles nearly
 * every clean order and call), then, for the events neither settles, the rules themselves
 * (`correctEvent`) with the run's rates (null: no currency revalidation). Validation calls it
 * on the object it has already parsed when it knows the rates, so the correction stage parses
 * again only the events it changes or flags (a few in a thousand), not every order and call.
 */
export function needsCorrection(event: CorrectionEvent, rates: RateTable | null, config: CorrectionConfig): boolean {
  if (!mayNeedCorrection(event.data, event.event_type, config, event.corrections !== undefined)) return false;
  if (surelyUnchanged(event, rates, config)) return false;
  const result = correctEvent(event, rates, config);
  return result.findings.length > 0 || rewritesEvent(event, result);
}
