/**
 * The one interface every recovery sink (BigQuery, files, DuckDB, ...) implements: it takes
 * the three outputs of a micro-batch (events, flags, dead letters) and either writes them
 * durably or throws. A caller acknowledges its input (e.g. Pub/Sub messages) only after
 * `write` resolved; a throw means "nothing is known to be durable, redeliver".
 */
import type { DeadLetter, DeliveryMeta, Flag } from "../event";

/**
 * One valid event as a sink writes it: the envelope fields, the event JSON exactly as
 * received (`raw`), and its delivery metadata.
 */
export interface OutputEvent {
  readonly event_id: string;
  readonly source: string;
  readonly event_type: string;
  readonly sequence: number | null;
  /** Event time, ISO-8601 with a zone. */
  readonly event_time: string;
  /** The event JSON as received (possibly rewritten by corrections). */
  readonly raw: string;
  readonly meta: DeliveryMeta;
}

/** The three outputs of one micro-batch. Any of them may be empty. */
export interface SinkBatch {
  readonly events: ReadonlyArray<OutputEvent>;
  readonly flags: ReadonlyArray<Flag>;
  readonly deadLetters: ReadonlyArray<DeadLetter>;
}

/** Error code of a dead letter made from a row that a sink refused to store. */
export const SINK_REJECTED = "sink_rejected";

/**
 * What one `write` did. Every row of the batch is either written or rejected; `written` may
 * count more, as a sink can write its own dead letters for rows it rejected (BigQuery puts
 * them in `written.deadLetters`).
 */
export interface SinkResult {
  /** Rows the sink accepted, per output. */
  readonly written: { readonly events: number; readonly flags: number; readonly deadLetters: number };
  /**
   * Rows the sink refused permanently (schema or value errors, oversize rows), each turned
   * into a dead letter with `error_code` {@link SINK_REJECTED} and the sink's error messages
   * in `issues`. Never dropped, never retried by the sink: the caller routes them on
   * (typically to the dead-letter output of a later batch).
   */
  readonly rejected: DeadLetter[];
}

/** A destination for the recovery outputs. */
export interface RecoverySink {
  /** Short name for logs and metrics, e.g. "bigquery". */
  readonly name: string;
  /**
   * Writes one micro-batch durably (or throws). Rows it could not write are returned in
   * `rejected`, never dropped. A throw (after the sink's own bounded retries) means the
   * caller must not acknowledge the batch; rewriting it later is safe up to the sink's
   * documented dedup guarantees.
   */
  write(batch: SinkBatch): Promise<SinkResult>;
  /** Releases resources. `write` after `close` throws. */
  close(): Promise<void>;
}
