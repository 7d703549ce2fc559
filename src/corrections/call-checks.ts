/**
 * Call checks (flags only, nothing is corrected):
 * - `call.completed` with a numeric duration (default `data.duration_s`) `<= 0` -> `zero_duration`, `manual_review`;
 * - each range rule `{ event_type, path, min?, max? }` of the event's type whose value is numeric and
 *   outside `[min, max]` (inclusive) -> `out_of_range`, `manual_review`, detail `{ path, value, min, max }`.
 * Absent or non-numeric values are not checked.
 *
 * `call.completed` with `duration_s: 0` -> one `zero_duration` flag; with `duration_s: 90000` -> one
 * `out_of_range` flag under the default rule (max 86400).
 */
import type { Finding } from "../flag";
import type { CorrectionConfig } from "./config";
import { RULES, unchanged, type CorrectionEvent, type RuleResult } from "./correction";
import { parseDecimal } from "./decimal";
import { getPath } from "./paths";
import { ruleFinding } from "./rule-finding";

/** The event type whose duration must be positive. */
export const CALL_COMPLETED = "call.completed";

/** A finite number, or a numeric string's value; null otherwise. `numeric("12.5")` -> 12.5. */
export function numeric(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  return parseDecimal(value) === null ? null : Number(value);
}

/** Runs the call checks (see module doc). Data and corrections are returned unchanged. */
export function checkCall(event: CorrectionEvent, config: CorrectionConfig): RuleResult {
  const state = unchanged(event);
  const findings: Finding[] = [];
  if (event.event_type === CALL_COMPLETED) {
    const duration = numeric(getPath(event.data, config.duration_path));
    if (duration !== null && duration <= 0) {
      findings.push(
        ruleFinding(event, "zero_duration", "manual_review", RULES.call_checks, config.duration_path, { duration_s: duration }),
      );
    }
  }
  for (const rule of config.range_rules) {
    if (rule.event_type !== event.event_type) continue;
    const value = numeric(getPath(event.data, rule.path));
    if (value === null) continue;
    if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
      findings.push(
        ruleFinding(event, "out_of_range", "manual_review", RULES.call_checks, rule.path, {
          path: rule.path,
          value,
          min: rule.min ?? null,
          max: rule.max ?? null,
        }),
      );
    }
  }
  return { ...state, findings };
}
