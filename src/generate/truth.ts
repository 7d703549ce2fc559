/**
 * The ground-truth file: one JSON object per line, either a fault the detectors must
 * flag (`kind`) or a look-alike they must leave alone (`lookalike`).
 */

/** Name of the only chain the generator produces (DEFAULT_CHAINS in src/config.ts). */
export const CHAIN_NAME = "lead_followup";

export type FaultRecord =
  /** One record per injected exact copy of a line (2 copies -> 2 records). */
  | { readonly kind: "duplicate"; readonly event_id: string }
  /** A new event_id with the same source, type and data 1..1000 ms after `duplicate_of`. */
  | { readonly kind: "near_duplicate"; readonly event_id: string; readonly duplicate_of: string }
  /** Inclusive range of sequence numbers of `source` that were never written. */
  | { readonly kind: "sequence_gap"; readonly source: string; readonly from: number; readonly to: number }
  /** A second event of the same source and sequence, later in (event time, event_id). */
  | { readonly kind: "sequence_reused"; readonly event_id: string }
  | { readonly kind: "missing_upstream" | "missing_downstream"; readonly chain: string; readonly key: string; readonly missing: string }
  /** A chain step present but after its deadline. */
  | { readonly kind: "late_step"; readonly event_id: string }
  /** A second (or later) discount.issued for one (user_id, program). */
  | { readonly kind: "duplicate_business_key"; readonly event_id: string }
  /** A bad line: 1-based line number in the events file and the expected error code. */
  | { readonly kind: "dead_letter"; readonly line: number; readonly error_code: string }
  /**
   * Incorrectly processed events. `expected`: the value the corrected `field` must have (major
   * units; amount in the order's currency, amount_usd in USD). `cause`: how the fault was made.
   */
  | { readonly kind: "currency_mismatch"; readonly event_id: string; readonly field: "data.amount_usd"; readonly expected: number; readonly cause: string }
  | { readonly kind: "arithmetic_mismatch"; readonly event_id: string; readonly field: "data.amount"; readonly expected: number; readonly cause: string }
  /** A call.completed with duration_s 0 or negative (flag only, nothing to correct). */
  | { readonly kind: "zero_duration"; readonly event_id: string }
  /** data.contact with email and phone swapped; `expected` are the values after the swap back. */
  | { readonly kind: "field_swap"; readonly event_id: string; readonly field: "data.contact"; readonly expected: { readonly email: string; readonly phone: string } };

export type FaultKind = FaultRecord["kind"];

/** Names of the look-alikes: traffic that resembles a fault but must not be flagged. */
export type LookalikeName =
  /** Same source/type/data as an earlier event, new id, 1.5-30 s later. */
  | "repeat_over_1s"
  /** Written to the file 20-120 s after later events of its source. */
  | "reordered"
  /** A chain step within its deadline in event time but written 1-4 min later in the file. */
  | "late_in_file"
  /** A second discount for a user, in another program. */
  | "other_program_discount"
  /** A lead whose next step is not due yet at the final watermark. */
  | "pending_chain"
  /** A correct order in JPY (zero decimals). */
  | "jpy_order"
  /** A correct order in BHD (three decimals). */
  | "bhd_order"
  /** A correct non-USD order on a date missing from the rates snapshot (valued at the fallback rate). */
  | "rate_fallback"
  /** A correct order of 50,000+ in its currency. */
  | "large_order"
  /** A lead.created whose email is phone-like (`+15551234567@sms.example.com`), with a normal phone. */
  | "phone_like_email"
  /** A call.completed of 1 second. */
  | "one_second_call"
  /** A kiosk's event numbered 1 half an hour or more after its first, numbered 1,000..90,000: a redeploy, nothing lost. */
  | "counter_restart";

export interface LookalikeRecord {
  readonly lookalike: LookalikeName;
  readonly event_id?: string;
  /** Chain key (lead id) when a chain flag on that key would be wrong. */
  readonly key?: string;
  /** Source and sequence of the event, so a gap range covering it counts as flagging it. */
  readonly source?: string;
  readonly sequence?: number;
}

export type TruthRecord = FaultRecord | LookalikeRecord;

/** Default truth path: `out` with `.jsonl` replaced by `.truth.jsonl`, else `out + ".truth.jsonl"`. */
export function defaultTruthPath(out: string): string {
  return out.endsWith(".jsonl") ? out.slice(0, -".jsonl".length) + ".truth.jsonl" : out + ".truth.jsonl";
}
