/**
 * SQL for the same count series as the core: hourly counts per `event_type:<type>` and
 * `source:<source>/event_type:<type>` (see series.ts), densified with zeros, from an events
 * table with columns event_id, source, sequence, event_time, event_type, payload; plus the
 * BigQuery ML statements that fit an ARIMA_PLUS model per series and list its anomalies.
 *
 * `sqlAnomalies("proj.leads.events").createModel`
 * -> "CREATE OR REPLACE MODEL `proj.leads.events_volume_arima` OPTIONS(model_type='ARIMA_PLUS', ...) AS WITH counted AS (...) ...".
 *
 * The two dialects differ in two fragments only: the hour truncation (BigQuery
 * `TIMESTAMP_TRUNC(event_time, HOUR)`, DuckDB `date_trunc('hour', timezone('UTC', event_time))`,
 * which expects a TIMESTAMPTZ column, as the DuckDB sink creates, and truncates in UTC whatever
 * the session time zone) and the hour grid used to fill zeros (BigQuery
 * `GENERATE_TIMESTAMP_ARRAY`, DuckDB `generate_series`). The grid matters: ARIMA_PLUS fills
 * missing timestamps by interpolation, so without explicit zero rows a silent hour vanishes.
 * Every series gets a row for every hour from the first to the last hour with an event.
 *
 * Threshold: `DEFAULT_ANOMALY_PROB_THRESHOLD` = 0.999, not BigQuery's usual 0.95: a 0.95
 * interval marks ~5 % of normal hours (50 per 1,000); 0.999 matches the core's p < 1e-3.
 * The detection query keeps, like the core, only drops (observed < lower_bound) by default and
 * only hours whose expected value ((lower_bound + upper_bound) / 2) is >= min_expected.
 */
import { DEFAULT_DIRECTION, DEFAULT_MIN_EXPECTED, type AnomalyDirection } from "./config";

export type SqlDialect = "bigquery" | "duckdb";

/** `project.dataset.table`: letters, digits, `_` (and `-` in the project). */
export const TABLE_NAME_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/;
/** Probability outside of which ML.DETECT_ANOMALIES marks a point: 0.999. */
export const DEFAULT_ANOMALY_PROB_THRESHOLD = 0.999;
/** Suffix of the default model name: `<table>_volume_arima` next to the table. */
export const DEFAULT_MODEL_SUFFIX = "_volume_arima";

export interface SqlAnomaliesOptions {
  /** Model name (`project.dataset.model`); default the table's name + `_volume_arima`. */
  readonly model?: string;
  readonly anomaly_prob_threshold?: number;
  readonly min_expected?: number;
  readonly direction?: AnomalyDirection;
}

export interface SqlAnomalies {
  /** The BigQuery aggregation (also the model's training query). */
  readonly aggregation: string;
  /** CREATE OR REPLACE MODEL ... OPTIONS(model_type='ARIMA_PLUS', ...) AS <aggregation>. */
  readonly createModel: string;
  /** SELECT ... FROM ML.DETECT_ANOMALIES(MODEL ..., STRUCT(<threshold> AS anomaly_prob_threshold)) WHERE ... */
  readonly detect: string;
}

/** Throws unless `name` matches `TABLE_NAME_PATTERN`; the message names the bad value. */
export function validateTableName(name: string): string {
  if (!TABLE_NAME_PATTERN.test(name)) {
    throw new Error(`invalid table name ${JSON.stringify(name)}: expected project.dataset.table (letters, digits, _ and - in the project)`);
  }
  return name;
}

/** The table as an identifier of the dialect: `` `p.d.t` `` (BigQuery) or `"p"."d"."t"` (DuckDB: catalog.schema.table). */
export function quoteTable(name: string, dialect: SqlDialect): string {
  validateTableName(name);
  return dialect === "bigquery" ? `\`${name}\`` : name.split(".").map((part) => `"${part}"`).join(".");
}

/** `event_time` truncated to its UTC hour, in `dialect`. */
export function hourTrunc(dialect: SqlDialect): string {
  return dialect === "bigquery" ? "TIMESTAMP_TRUNC(event_time, HOUR)" : "date_trunc('hour', timezone('UTC', event_time))";
}

/** Every hour from the first to the last counted hour, as a one-column query over `counted`. */
function hourGrid(dialect: SqlDialect): string {
  return dialect === "bigquery"
    ? "SELECT interval_start FROM (SELECT MIN(interval_start) AS lo, MAX(interval_start) AS hi FROM counted), UNNEST(GENERATE_TIMESTAMP_ARRAY(lo, hi, INTERVAL 1 HOUR)) AS interval_start"
    : "SELECT unnest(generate_series(MIN(interval_start), MAX(interval_start), INTERVAL 1 HOUR)) AS interval_start FROM counted";
}

/**
 * Hourly counts `(interval_start, series, observed)` of `table` for the core's count series,
 * zero-filled. `sqlAggregation("memory.main.events", "duckdb")` -> a DuckDB query.
 */
export function sqlAggregation(table: string, dialect: SqlDialect): string {
  const from = quoteTable(table, dialect);
  return [
    "WITH counted AS (",
    `  SELECT ${hourTrunc(dialect)} AS interval_start, source, event_type, COUNT(*) AS observed`,
    `  FROM ${from}`,
    "  WHERE event_time IS NOT NULL AND source IS NOT NULL AND event_type IS NOT NULL",
    "  GROUP BY 1, 2, 3",
    "), per_series AS (",
    "  SELECT interval_start, CONCAT('event_type:', event_type) AS series, SUM(observed) AS observed FROM counted GROUP BY 1, 2",
    "  UNION ALL",
    "  SELECT interval_start, CONCAT('source:', source, '/event_type:', event_type) AS series, observed FROM counted",
    "), hours AS (",
    `  ${hourGrid(dialect)}`,
    "), all_series AS (",
    "  SELECT DISTINCT series FROM per_series",
    ")",
    "SELECT h.interval_start, s.series, COALESCE(p.observed, 0) AS observed",
    "FROM hours AS h CROSS JOIN all_series AS s",
    "LEFT JOIN per_series AS p ON p.interval_start = h.interval_start AND p.series = s.series",
  ].join("\n");
}

/** The BigQuery ML statements for `table` (`project.dataset.table`). */
export function sqlAnomalies(table: string, options: SqlAnomaliesOptions = {}): SqlAnomalies {
  validateTableName(table);
  const model = validateTableName(options.model ?? `${table}${DEFAULT_MODEL_SUFFIX}`);
  const threshold = options.anomaly_prob_threshold ?? DEFAULT_ANOMALY_PROB_THRESHOLD;
  if (!(threshold > 0 && threshold < 1)) throw new Error(`invalid anomaly_prob_threshold ${threshold}: expected 0 < p < 1`);
  const minExpected = options.min_expected ?? DEFAULT_MIN_EXPECTED;
  if (!Number.isFinite(minExpected) || minExpected < 0) throw new Error(`invalid min_expected ${minExpected}`);
  const direction = options.direction ?? DEFAULT_DIRECTION;
  const aggregation = sqlAggregation(table, "bigquery");
  const createModel = [
    `CREATE OR REPLACE MODEL \`${model}\``,
    "OPTIONS(model_type='ARIMA_PLUS', time_series_timestamp_col='interval_start', time_series_data_col='observed',",
    "  time_series_id_col='series', data_frequency='HOURLY', decompose_time_series=TRUE) AS",
    aggregation,
  ].join("\n");
  const side =
    direction === "down" ? " AND observed < lower_bound" : direction === "up" ? " AND observed > upper_bound" : "";
  const detect = [
    "SELECT series, interval_start, observed, (lower_bound + upper_bound) / 2 AS expected, lower_bound, upper_bound, anomaly_probability",
    `FROM ML.DETECT_ANOMALIES(MODEL \`${model}\`, STRUCT(${threshold} AS anomaly_prob_threshold))`,
    `WHERE is_anomaly AND (lower_bound + upper_bound) / 2 >= ${minExpected}${side}`,
    "ORDER BY interval_start, series",
  ].join("\n");
  return { aggregation, createModel, detect };
}
