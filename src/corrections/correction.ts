/**
 * A correction record, the event shape the rules take, and the result every rule returns.
 *
 * `correctionId("e1", "currency", "data.amount_usd")` -> a 32-hex id equal on every run, so an event
 * whose incoming `corrections` already holds it is not corrected (nor flagged) again.
 */
import type { Finding } from "../flag";
import { stableId } from "../hash";
import { isRecord } from "./paths";

/** Names of the rules, used in correction ids, flag identities and `Correction.rule`. */
export const RULES = {
  field_swap: "field_swap",
  arithmetic: "arithmetic",
  currency: "currency",
  call_checks: "call_checks",
} as const;
export type RuleName = (typeof RULES)[keyof typeof RULES];

/** One applied change of one field: `before` and `after` are the values as written in data. */
export interface Correction {
  readonly correction_id: string;
  /** Dotted path of the changed field, e.g. `data.amount_usd`. */
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly rule: string;
  /** `flag_id` of the finding (action `none`) that reports the correction. */
  readonly flag_id: string;
}

/** The event fields the rules read. `corrections` is the list carried from earlier runs (if any). */
export interface CorrectionEvent {
  readonly event_id: string;
  readonly event_type: string;
  readonly timestamp: string;
  readonly source: string;
  readonly data: Record<string, unknown>;
  readonly corrections?: unknown;
}

/**
 * What a rule returns: the (possibly) corrected copy of data, the event's full corrections list
 * (the well-formed incoming ones followed by the new ones), and the new findings.
 */
export interface RuleResult {
  readonly data: Record<string, unknown>;
  readonly corrections: Correction[];
  readonly findings: Finding[];
}

/** `stableId([event_id, rule, field])`. */
export function correctionId(eventId: string, rule: string, field: string): string {
  return stableId([eventId, rule, field]);
}

/** True when `value` has the shape of a `Correction`. */
export function isCorrection(value: unknown): value is Correction {
  return (
    isRecord(value) &&
    typeof value.correction_id === "string" &&
    typeof value.field === "string" &&
    typeof value.rule === "string" &&
    typeof value.flag_id === "string" &&
    Object.hasOwn(value, "before") &&
    Object.hasOwn(value, "after")
  );
}

/**
 * The well-formed entries of an event's incoming `corrections` (anything else there is ignored).
 * `incomingCorrections({ ..., corrections: "x" })` -> `[]`.
 */
export function incomingCorrections(event: CorrectionEvent): Correction[] {
  return Array.isArray(event.corrections) ? event.corrections.filter(isCorrection) : [];
}

/** True when the event already carries the correction `(rule, field)`. */
export function alreadyCorrected(event: CorrectionEvent, rule: string, field: string): boolean {
  // Most events carry no corrections: skip hashing the id for them.
  if (!Array.isArray(event.corrections) || event.corrections.length === 0) return false;
  const id = correctionId(event.event_id, rule, field);
  return incomingCorrections(event).some((c) => c.correction_id === id);
}

/** The starting result of a rule: data and corrections as they came, no findings. */
export function unchanged(event: CorrectionEvent): RuleResult {
  return { data: event.data, corrections: incomingCorrections(event), findings: [] };
}
