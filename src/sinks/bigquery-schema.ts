/**
 * The BigQuery tables the BigQuery sink writes: their columns, day partitioning and
 * clustering, as constants (the README and `--dry-run` print them), and the
 * `CREATE TABLE IF NOT EXISTS` DDL derived from them.
 *
 * - `events`: one row per valid event. `payload` is the event JSON as received. Partitioned
 *   by DATE(event_time), clustered by event_type.
 * - `flags`: one row per finding. Partitioned by DATE(detected_at), not by event time,
 *   because a flag's `event_time` may be null (findings about absent events); clustered by
 *   kind.
 * - `dead_letter`: one row per input line that could not become an event, and per row a
 *   sink refused (`error_code` = "sink_rejected"). Partitioned by DATE(received_at),
 *   clustered by error_code.
 *
 * Rows are streamed with `insertId`s (bigquery-rows: hashes of the record keys below); BigQuery's
 * insertId dedup is best effort (about one minute), so the tables are at-least-once. Each has
 * a view `<table>_once` (`ONCE_VIEWS`) that reads it exactly once: one row per record key, the
 * earliest inserted.
 */

/** Column types used (GoogleSQL names; the REST API accepts them too). */
export type BigQueryColumnType = "STRING" | "INT64" | "BOOL" | "TIMESTAMP" | "JSON";

/** One column. JSON columns are sent as JSON text in streaming inserts. */
export interface BigQueryColumn {
  readonly name: string;
  readonly type: BigQueryColumnType;
  /** REQUIRED columns reject rows without a value (the row becomes a `sink_rejected` dead letter). */
  readonly mode: "REQUIRED" | "NULLABLE";
  readonly description: string;
}

/** A table's shape: columns, DAY partitioning on a TIMESTAMP column, clustering columns. */
export interface BigQueryTableSpec {
  readonly description: string;
  readonly columns: ReadonlyArray<BigQueryColumn>;
  /** TIMESTAMP column whose DATE is the partition (DAY partitions). */
  readonly partitionColumn: string;
  readonly clusterColumns: ReadonlyArray<string>;
}

const col = (name: string, type: BigQueryColumnType, mode: BigQueryColumn["mode"], description: string): BigQueryColumn => ({
  name,
  type,
  mode,
  description,
});

/** `events`: valid events as received, with their envelope fields and Pub/Sub metadata. */
export const EVENTS_TABLE: BigQueryTableSpec = {
  description: "Valid events as received (at-least-once: read events_once, one row per (event_id, event_time))",
  columns: [
    col("event_id", "STRING", "REQUIRED", "Event id from the envelope"),
    col("source", "STRING", "NULLABLE", "Producer of the event"),
    col("event_type", "STRING", "NULLABLE", "Event type from the envelope"),
    col("sequence", "INT64", "NULLABLE", "Per-source sequence number, when the producer sets one"),
    col("event_time", "TIMESTAMP", "NULLABLE", "Event time from the envelope"),
    col("payload", "JSON", "NULLABLE", "The event JSON as received"),
    col("message_id", "STRING", "NULLABLE", "Pub/Sub message id"),
    col("publish_time", "TIMESTAMP", "NULLABLE", "Pub/Sub publish time"),
    col("attributes", "JSON", "NULLABLE", "Pub/Sub message attributes"),
    col("delivery_attempt", "INT64", "NULLABLE", "Pub/Sub delivery attempt, when dead-lettering is on"),
    col("inserted_at", "TIMESTAMP", "NULLABLE", "When the sink sent the row"),
  ],
  partitionColumn: "event_time",
  clusterColumns: ["event_type"],
};

/** `flags`: findings (the Flag fields). */
export const FLAGS_TABLE: BigQueryTableSpec = {
  description: "Findings about lost, duplicated or wrongly processed events (at-least-once: read flags_once, one row per flag_id)",
  columns: [
    col("flag_id", "STRING", "REQUIRED", "Deterministic id of the finding; the streaming insertId"),
    col("kind", "STRING", "REQUIRED", "What was found (duplicate, sequence_gap, ...)"),
    col("action", "STRING", "REQUIRED", "What to do: discard, reprocess, manual_review, none"),
    col("event_id", "STRING", "NULLABLE", "Event the finding is about, if any"),
    col("source", "STRING", "NULLABLE", "Source of that event"),
    col("event_type", "STRING", "NULLABLE", "Type of that event"),
    col("key", "STRING", "NULLABLE", "Chain key or business key"),
    col("event_time", "TIMESTAMP", "NULLABLE", "Event time of that event; null when there is none"),
    col("detail", "JSON", "NULLABLE", "Kind-specific detail"),
    col("detected_at", "TIMESTAMP", "REQUIRED", "Processing time of the run that found it"),
  ],
  partitionColumn: "detected_at",
  clusterColumns: ["kind"],
};

/** `dead_letter`: input lines that could not become events, and rows the sink refused. */
export const DEAD_LETTER_TABLE: BigQueryTableSpec = {
  description: "Inputs that could not become events, and rows a sink refused (error_code sink_rejected)",
  columns: [
    col("error_code", "STRING", "REQUIRED", "Why: malformed_json, schema, timestamp_*, sink_rejected, ..."),
    col("issues", "JSON", "NULLABLE", "List of {path, code, message}; never the offending values"),
    col("raw", "STRING", "NULLABLE", "The received line (or refused row), cut at 64 KiB"),
    col("raw_truncated", "BOOL", "NULLABLE", "Whether raw was cut"),
    col("line", "INT64", "NULLABLE", "1-based input line ordinal; 0 when there is none"),
    col("event_id", "STRING", "NULLABLE", "Event id, when one could be read"),
    col("message_id", "STRING", "NULLABLE", "Pub/Sub message id"),
    col("attributes", "JSON", "NULLABLE", "Pub/Sub message attributes"),
    col("received_at", "TIMESTAMP", "REQUIRED", "When the line was received (or the row refused)"),
  ],
  partitionColumn: "received_at",
  clusterColumns: ["error_code"],
};

/** Where the three outputs go. */
export interface BigQueryTableNames {
  readonly events: string;
  readonly flags: string;
  readonly deadLetters: string;
}

/** Default table names: `events`, `flags`, `dead_letter`. */
export const DEFAULT_TABLE_NAMES: BigQueryTableNames = { events: "events", flags: "flags", deadLetters: "dead_letter" };

/** The spec of each output, by the key used in {@link BigQueryTableNames}. */
export const TABLE_SPECS: { readonly [K in keyof BigQueryTableNames]: BigQueryTableSpec } = {
  events: EVENTS_TABLE,
  flags: FLAGS_TABLE,
  deadLetters: DEAD_LETTER_TABLE,
};

const quoteString = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const quoteIdent = (s: string): string => `\`${s.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``;

/** `CREATE SCHEMA IF NOT EXISTS` for the dataset (with its location when given). */
export function createDatasetStatement(projectId: string, datasetId: string, location?: string): string {
  const options = location ? `\nOPTIONS (location = ${quoteString(location)})` : "";
  return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(`${projectId}.${datasetId}`)}${options};`;
}

/**
 * `CREATE TABLE IF NOT EXISTS` for one table, in GoogleSQL: columns with NOT NULL and
 * descriptions, `PARTITION BY DATE(col)`, `CLUSTER BY ...`, and the table description.
 */
export function createTableStatement(projectId: string, datasetId: string, tableId: string, spec: BigQueryTableSpec): string {
  const columns = spec.columns.map(
    (c) => `  ${quoteIdent(c.name)} ${c.type}${c.mode === "REQUIRED" ? " NOT NULL" : ""} OPTIONS (description = ${quoteString(c.description)})`,
  );
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(`${projectId}.${datasetId}.${tableId}`)} (`,
    columns.join(",\n"),
    `)`,
    `PARTITION BY DATE(${quoteIdent(spec.partitionColumn)})`,
    `CLUSTER BY ${spec.clusterColumns.map(quoteIdent).join(", ")}`,
    `OPTIONS (description = ${quoteString(spec.description)});`,
  ].join("\n");
}

/** The REST `Table` resource fields (tables.insert) that create a table of this spec. */
export interface BigQueryTableResource {
  readonly description: string;
  readonly schema: { readonly fields: ReadonlyArray<{ name: string; type: string; mode: string; description: string }> };
  readonly timePartitioning: { readonly type: "DAY"; readonly field: string };
  readonly clustering: { readonly fields: ReadonlyArray<string> };
}

/** The tables.insert body (less `tableReference`, which the client adds) for a spec. */
export function tableResource(spec: BigQueryTableSpec): BigQueryTableResource {
  return {
    description: spec.description,
    schema: { fields: spec.columns.map((c) => ({ name: c.name, type: c.type, mode: c.mode, description: c.description })) },
    timePartitioning: { type: "DAY", field: spec.partitionColumn },
    clustering: { fields: [...spec.clusterColumns] },
  };
}

/**
 * A view that reads an at-least-once table exactly once: of the rows sharing a record key (the
 * same record written again after a crash, a retried batch or a redelivery, beyond insertId's
 * best-effort minute) it keeps the first by `orderBy`. Keys:
 * - events: (event_id, event_time). An id is kept twice only for events more than the dedup
 *   horizon apart in event time, so those stay two rows; the same event written twice is one.
 * - flags: flag_id (deterministic: the same claim has the same id, and no two claims share one).
 * - dead letters: (error_code, message_id) when the message id is known (a redelivered message
 *   gets another line number), else (error_code, line, raw): the dead-letter insertId's fields.
 */
export interface BigQueryOnceView {
  readonly description: string;
  /** SQL expressions over the table's columns, valid in GoogleSQL and DuckDB. */
  readonly key: ReadonlyArray<string>;
  readonly orderBy: string;
}

/** The name of a table's exactly-once view: `events` -> `events_once`. */
export const onceViewName = (table: string): string => `${table}_once`;

export const ONCE_VIEWS: { readonly [K in keyof BigQueryTableNames]: BigQueryOnceView } = {
  events: {
    description: "events exactly once: one row per (event_id, event_time), the first inserted",
    key: ["event_id", "event_time"],
    orderBy: "inserted_at",
  },
  flags: {
    description: "flags exactly once: one row per flag_id, the first detected",
    key: ["flag_id"],
    orderBy: "detected_at",
  },
  deadLetters: {
    description: "dead_letter exactly once: one row per (error_code, message_id), or per (error_code, line, raw) without a message id",
    key: ["error_code", "message_id", "CASE WHEN message_id IS NULL THEN line END", "CASE WHEN message_id IS NULL THEN raw END"],
    orderBy: "received_at",
  },
};

/**
 * The view's query over `tableRef` (a quoted table path): `SELECT * ... QUALIFY ROW_NUMBER() ...
 * = 1`. `WHERE TRUE` because GoogleSQL has accepted QUALIFY only beside a WHERE, GROUP BY or
 * HAVING clause; DuckDB runs the same text (test/sinks/bigquery-once-views.test.ts).
 */
export function onceViewQuery(tableRef: string, view: BigQueryOnceView): string {
  return `SELECT * FROM ${tableRef} WHERE TRUE\nQUALIFY ROW_NUMBER() OVER (PARTITION BY ${view.key.join(", ")} ORDER BY ${view.orderBy}) = 1`;
}

/** A table's path quoted for GoogleSQL: `` `project.dataset.table` ``. */
export function quotedTablePath(projectId: string, datasetId: string, tableId: string): string {
  return quoteIdent(`${projectId}.${datasetId}.${tableId}`);
}

/** `CREATE VIEW IF NOT EXISTS` for a table's exactly-once view. */
export function createOnceViewStatement(projectId: string, datasetId: string, tableId: string, view: BigQueryOnceView): string {
  return [
    `CREATE VIEW IF NOT EXISTS ${quotedTablePath(projectId, datasetId, onceViewName(tableId))}`,
    `OPTIONS (description = ${quoteString(view.description)})`,
    `AS ${onceViewQuery(quotedTablePath(projectId, datasetId, tableId), view)};`,
  ].join("\n");
}
