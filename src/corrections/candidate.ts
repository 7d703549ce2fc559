import type { CorrectionConfig } from "./config";
import { CALL_COMPLETED, numeric } from "./call-checks";
import { getPath, isRecord, ownGet } from "./paths";

/**
 * Could any correction rule act on this event? A conservative prefilter evaluated once on the
 * parsed event during validation, so the correction stage re-parses only the events it may
 * change or flag: a contact object whose `phone` holds an `@` (field swap), line items
 * (arithmetic), a USD amount (currency), a `call.completed` whose duration is <= 0 or that
 * carries a `corrections` list (`carriesCorrections`, default true), or a type with range
 * rules. False only when every rule would return the event unchanged with no finding.
 *
 * `mayNeedCorrection({contact: {phone: "+1 555"}}, "lead.created", config)` -> false.
 */
export function mayNeedCorrection(data: Record<string, unknown>, eventType: string, config: CorrectionConfig, carriesCorrections = true): boolean {
  for (const objectPath of config.swap_objects) {
    const contact = getPath(data, objectPath);
    const phone = isRecord(contact) ? ownGet(contact, "phone") : undefined;
    if (typeof phone === "string" && phone.includes("@")) return true;
  }
  if (getPath(data, config.items_path) !== undefined) return true;
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
