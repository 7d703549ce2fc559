/**
 * The JSON shape of an Open Exchange Rates response (`latest.json`, `historical/*.json`), and its
 * conversion to per-USD rates.
 *
 * `usdRates({ base: "USD", timestamp: 1700000000, rates: { EUR: 0.92 } })` -> `{ EUR: 0.92, USD: 1 }`;
 * with base `EUR` and rates `{ USD: 1.25, GBP: 0.85 }` -> `{ USD: 1, GBP: 0.68, EUR: 0.8 }`.
 */
import { z } from "zod";

/** Significant digits kept when rebasing a non-USD snapshot to USD: 12. */
export const REBASE_SIGNIFICANT_DIGITS = 12;

const rate = z.number().finite().positive();

export const OxrSnapshot = z.object({
  base: z.string().regex(/^[A-Z]{3}$/).default("USD"),
  timestamp: z.number().optional(),
  rates: z.record(z.string(), rate),
});
export type OxrSnapshot = z.output<typeof OxrSnapshot>;

/** A snapshot line of a JSON-lines file: the same shape with its `date` (`YYYY-MM-DD`). */
export const DatedOxrSnapshot = OxrSnapshot.extend({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });

/**
 * Rates as units per 1 USD, whatever the snapshot's base (rebased through its USD rate, the
 * quotient kept to `REBASE_SIGNIFICANT_DIGITS` significant digits so that 0.85 / 1.25 is 0.68,
 * not 0.6799999999999999); null when a non-USD base has no USD rate. Keys are copied with `defineProperty`, so a
 * `__proto__` code in a file cannot reach a prototype.
 */
export function usdRates(snapshot: OxrSnapshot): Record<string, number> | null {
  const usdPerBase = snapshot.base === "USD" ? 1 : Object.hasOwn(snapshot.rates, "USD") ? snapshot.rates.USD : undefined;
  if (usdPerBase === undefined) return null;
  const out: Record<string, number> = {};
  const put = (code: string, value: number): void => {
    Object.defineProperty(out, code, { value, writable: true, enumerable: true, configurable: true });
  };
  const rebase = (value: number): number => (usdPerBase === 1 ? value : Number((value / usdPerBase).toPrecision(REBASE_SIGNIFICANT_DIGITS)));
  for (const [code, value] of Object.entries(snapshot.rates)) put(code, rebase(value));
  put(snapshot.base, rebase(1));
  put("USD", 1);
  return out;
}
