/**
 * Where rate tables come from. A provider returns the rates of the dates it has; a date it has
 * no rates for is simply absent from the table (the core then falls back or flags `rate_unavailable`).
 *
 * `await provider.ratesFor(["2024-03-08"])` -> `{ "2024-03-08": { "USD": 1, "EUR": 0.92, ... } }`.
 */
import type { RateTable } from "../rate-table";

export interface RatesProvider {
  ratesFor(dates: string[]): Promise<RateTable>;
}
