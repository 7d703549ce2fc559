/**
 * The shapes that travel between stages: a validated event, a flag, a dead letter.
 * These are the public output contract; later kinds add values, never change fields.
 */

/** Pub/Sub delivery metadata. Travels with the event when present; never dropped. */
export interface DeliveryMeta {
  readonly message_id: string | null;
  readonly publish_time: string | null;
  readonly attributes: Readonly<Record<string, string>> | null;
  readonly delivery_attempt: number | null;
}

/**
 * A valid event as the detectors see it: the envelope fields, precomputed keys, and the
 * received JSON text (`raw`), which is what the events output writes ("as received").
 */
export interface ReceivedEvent {
  /** 1-based ordinal of the input line: the arrival order. */
  readonly line: number;
  readonly event_id: string;
  readonly source: string;
  readonly sequence: number | null;
  /** Event time as given (ISO-8601 with a zone). */
  readonly timestamp: string;
  /** Event time in epoch milliseconds. */
  readonly event_time: number;
  readonly event_type: string;
  /** Values of the configured key paths (chains, business keys), by path; null when absent. */
  readonly keys: Readonly<Record<string, string | null>>;
  readonly meta: DeliveryMeta;
  /** False when no correction rule can act on it (src/corrections/candidate.ts): not re-parsed. */
  readonly correctable: boolean;
  /** The event as received (JSON text, BOM and CR removed); possibly rewritten by corrections. */
  readonly raw: string;
}

/** What a flag asks an operator or a downstream service to do. */
export type FlagAction = "discard" | "reprocess" | "manual_review" | "none";

export type FlagKind =
  | "duplicate"
  | "near_duplicate"
  | "sequence_gap"
  | "gap_filled"
  | "sequence_reused"
  | "missing_upstream"
  | "missing_downstream"
  | "late_step"
  | "late_step_withdrawn"
  | "duplicate_business_key"
  | "late_unchecked"
  | (string & {});

/**
 * One finding. `flag_id` is a deterministic hash of what the finding is (never of
 * `detected_at`), so reruns and redeliveries produce the same ids.
 */
export interface Flag {
  readonly flag_id: string;
  readonly kind: FlagKind;
  readonly action: FlagAction;
  readonly event_id: string | null;
  readonly source: string | null;
  readonly event_type: string | null;
  /** Chain key or business key; null for kinds without one. */
  readonly key: string | null;
  /** ISO-8601 event time of the event the flag is about; null when there is none. */
  readonly event_time: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
  /** Processing time of the run that found it (ISO-8601). */
  readonly detected_at: string;
}

export type DeadLetterCode =
  | "malformed_json"
  | "schema"
  | "timestamp_invalid"
  | "timestamp_future"
  | "timestamp_stale"
  | "numeric_invalid"
  | (string & {});

/** One validation problem. Never carries the offending value (it may be PII). */
export interface Issue {
  readonly path: ReadonlyArray<string | number>;
  readonly code: string;
  readonly message: string;
}

/** An input line that could not become an event. */
export interface DeadLetter {
  readonly error_code: DeadLetterCode;
  readonly issues: ReadonlyArray<Issue>;
  /** The received line, UTF-8 with replacement characters, cut at 64 KiB. */
  readonly raw: string;
  readonly raw_truncated: boolean;
  readonly line: number;
  readonly event_id: string | null;
  readonly message_id: string | null;
  readonly attributes: Readonly<Record<string, string>> | null;
  readonly received_at: string;
}
