/**
 * Applies one numeric correction through the guard: within bounds the value is written to a copy
 * of data, a `Correction` is appended and the finding's action is `none`; otherwise data stays
 * and the finding's action is `manual_review`.
 *
 * before 100.00, after 400.00 (+300 %) -> applied; after 400.01 -> `manual_review`, data unchanged.
 */
import type { FlagKind } from "../event";
import type { CorrectionEvent, RuleResult } from "./correction";
import { correctionId } from "./correction";
import { guardAllows, type GuardBounds } from "./guard";
import { setPath } from "./paths";
import { ruleFinding } from "./rule-finding";

export interface NumericProposal {
  readonly rule: string;
  readonly kind: FlagKind;
  /** Dotted path of the field to correct. */
  readonly field: string;
  /** The value in data now, and its minor units (null when it is not a number). */
  readonly before: unknown;
  readonly beforeMinor: bigint | null;
  /** The corrected value as it would be written, and its minor units. */
  readonly after: unknown;
  readonly afterMinor: bigint;
  readonly detail: Readonly<Record<string, unknown>>;
}

export function applyNumeric(event: CorrectionEvent, state: RuleResult, p: NumericProposal, bounds: GuardBounds): RuleResult {
  const allowed = guardAllows(p.beforeMinor, p.afterMinor, bounds);
  const flag = ruleFinding(event, p.kind, allowed ? "none" : "manual_review", p.rule, p.field, p.detail);
  const data = allowed ? setPath(state.data, p.field, p.after) : null;
  if (data === null) return { ...state, findings: [...state.findings, { ...flag, action: "manual_review" }] };
  const correction = {
    correction_id: correctionId(event.event_id, p.rule, p.field),
    field: p.field,
    before: p.before === undefined ? null : p.before,
    after: p.after,
    rule: p.rule,
    flag_id: flag.flag_id,
  };
  return { data, corrections: [...state.corrections, correction], findings: [...state.findings, flag] };
}
