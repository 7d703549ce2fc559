/**
 * A row BigQuery refused (or that the sink refused before sending, e.g. too large) as a dead
 * letter: `error_code` "sink_rejected", one issue per BigQuery error
 * (`{path: [], code: reason, message: "<table>: <message>"}`), `raw` = the row's JSON without
 * `inserted_at` (the write's time, which a retry changes), cut at 64 KiB (UTF-8, a cut
 * character becomes U+FFFD), and the event id, message id, attributes and line of the row's
 * origin.
 */
import type { DeadLetter, Issue } from "../event";
import { MAX_RAW_BYTES } from "../validate";
import type { PreparedRow } from "./bigquery-rows";
import { SINK_REJECTED } from "./sink";

/** One error BigQuery reported for a row (insertErrors[].errors[]). */
export interface RowError {
  readonly reason: string;
  readonly message: string;
}

/** The dead letter for a refused row; `receivedAt` is the refusal time (ISO-8601). */
export function rejectedRow(table: string, row: PreparedRow, errors: ReadonlyArray<RowError>, receivedAt: string): DeadLetter {
  // Without the write's own time (`inserted_at`), so a batch written again after a failure
  // gives the same dead letter: its insertId and its `dead_letter_once` key (line, raw) stay.
  const { inserted_at: _insertedAt, ...stable } = row.json;
  const body = Buffer.from(JSON.stringify(stable), "utf8");
  const truncated = body.length > MAX_RAW_BYTES;
  const issues: Issue[] = (errors.length > 0 ? errors : [{ reason: "unknown", message: "rejected without a reason" }]).map((e) => ({
    path: [],
    code: e.reason || "unknown",
    message: `${table}: ${e.message}`,
  }));
  return {
    error_code: SINK_REJECTED,
    issues,
    raw: (truncated ? body.subarray(0, MAX_RAW_BYTES) : body).toString("utf8"),
    raw_truncated: truncated,
    line: row.origin.line,
    event_id: row.origin.event_id,
    message_id: row.origin.message_id,
    attributes: row.origin.attributes,
    received_at: receivedAt,
  };
}
