/**
 * How the three outputs become BigQuery streaming-insert rows (`{insertId, json}` of
 * tabledata.insertAll), following the columns of bigquery-schema. JSON columns are sent as
 * JSON text, TIMESTAMP columns as ISO-8601 strings, absent values as null.
 *
 * insertIds (BigQuery's best-effort dedup key, about one minute):
 * - events: a hash of (event_id, event_time): an id kept again beyond the dedup horizon is
 *   another event, and sharing its insertId would let BigQuery drop it (it did, in one
 *   request, before 2026-11-27);
 * - flags: flag_id;
 * - dead letters: a hash of (message_id, error_code) when the message id is known (a
 *   redelivered message gets the same id whatever its line number), else of
 *   (line, raw, error_code).
 */
import type { DeadLetter, Flag } from "../event";
import { stableId } from "../hash";
import type { OutputEvent } from "./sink";

/** A scalar cell of an insertAll row. */
export type BigQueryCell = string | number | boolean | null;

/**
 * One row ready for insertAll, with what is known of its origin, so that a refused row
 * can become a dead letter that still names its event and message.
 */
export interface PreparedRow {
  readonly insertId: string;
  readonly json: Readonly<Record<string, BigQueryCell>>;
  readonly origin: {
    readonly line: number;
    readonly event_id: string | null;
    readonly message_id: string | null;
    readonly attributes: Readonly<Record<string, string>> | null;
  };
}

const jsonText = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** The insertId of an event row (see the module comment). */
export function eventInsertId(e: OutputEvent): string {
  return stableId(["event", e.event_id, e.event_time]);
}

/** An `events` row; `insertedAt` is the sink's send time (ISO-8601). */
export function eventRow(e: OutputEvent, insertedAt: string): PreparedRow {
  return {
    insertId: eventInsertId(e),
    json: {
      event_id: e.event_id,
      source: e.source,
      event_type: e.event_type,
      sequence: e.sequence,
      event_time: e.event_time,
      payload: e.raw,
      message_id: e.meta.message_id,
      publish_time: e.meta.publish_time,
      attributes: jsonText(e.meta.attributes),
      delivery_attempt: e.meta.delivery_attempt,
      inserted_at: insertedAt,
    },
    origin: { line: 0, event_id: e.event_id, message_id: e.meta.message_id, attributes: e.meta.attributes },
  };
}

/** A `flags` row. */
export function flagRow(f: Flag): PreparedRow {
  return {
    insertId: f.flag_id,
    json: {
      flag_id: f.flag_id,
      kind: f.kind,
      action: f.action,
      event_id: f.event_id,
      source: f.source,
      event_type: f.event_type,
      key: f.key,
      event_time: f.event_time,
      detail: jsonText(f.detail),
      detected_at: f.detected_at,
    },
    origin: { line: 0, event_id: f.event_id, message_id: null, attributes: null },
  };
}

/** The insertId of a dead letter (see the module comment). */
export function deadLetterInsertId(d: DeadLetter): string {
  return d.message_id !== null
    ? stableId(["dead_letter", d.message_id, d.error_code])
    : stableId(["dead_letter", d.line, d.raw, d.error_code]);
}

/** A `dead_letter` row. */
export function deadLetterRow(d: DeadLetter): PreparedRow {
  return {
    insertId: deadLetterInsertId(d),
    json: {
      error_code: d.error_code,
      issues: jsonText(d.issues),
      raw: d.raw,
      raw_truncated: d.raw_truncated,
      line: d.line,
      event_id: d.event_id,
      message_id: d.message_id,
      attributes: jsonText(d.attributes),
      received_at: d.received_at,
    },
    origin: { line: d.line, event_id: d.event_id, message_id: d.message_id, attributes: d.attributes },
  };
}
