/**
 * Names of the time series the anomaly detectors judge. The same strings are produced by
 * the SQL aggregation (`sqlAggregation`), so core flags and BigQuery ML rows can be joined:
 *
 * - `event_type:<event_type>`: all events of one type;
 * - `source:<source>/event_type:<event_type>`: one source's events of one type;
 * - `ratio:<numerator>/<denominator>`: the per-interval ratio of two event types' counts.
 *
 * `sourceSeries("scanner-ios", "card.scanned")` -> `"source:scanner-ios/event_type:card.scanned"`.
 */

/** What a count series covers: an event type, optionally restricted to one source. */
export interface SeriesKey {
  readonly event_type: string;
  /** null: all sources. */
  readonly source: string | null;
}

/** Series id of all events of `eventType`. */
export function eventTypeSeries(eventType: string): string {
  return `event_type:${eventType}`;
}

/** Series id of `source`'s events of `eventType`. */
export function sourceSeries(source: string, eventType: string): string {
  return `source:${source}/event_type:${eventType}`;
}

/** Series id of the ratio numerator / denominator (event types). */
export function ratioSeries(numerator: string, denominator: string): string {
  return `ratio:${numerator}/${denominator}`;
}

