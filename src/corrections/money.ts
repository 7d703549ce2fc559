/**
 * Money fields read from and written back to event data, in integer minor units.
 *
 * Major-unit mode (default): `60.24` or `"60.24"` AUD -> `6024n`. Minor-unit (Stripe-style) mode:
 * `6024` AUD -> `6024n`, `500` JPY -> `500n`. Extra decimals round half up (`100.5` JPY -> `101n`).
 */
import { formatUnits, isIntegral, parseDecimal, rescale } from "./decimal";

/** How money is represented in the data. */
export interface MoneyFormat {
  /** Minor-unit exponent of the currency (2 for USD, 0 for JPY, 3 for BHD). */
  readonly exponent: number;
  /** True when amounts are integers in minor units (Stripe style). */
  readonly minorUnits: boolean;
}

/**
 * Reads a money value into integer minor units; null when it is not a number or numeric string
 * (or, in minor-unit mode, not an integer).
 * `toMinor("60.245", { exponent: 2, minorUnits: false })` -> `6025n`;
 * `toMinor(6024, { exponent: 2, minorUnits: true })` -> `6024n`; `toMinor(60.5, { exponent: 2, minorUnits: true })` -> null.
 */
export function toMinor(value: unknown, format: MoneyFormat): bigint | null {
  const d = parseDecimal(value);
  if (d === null) return null;
  if (format.minorUnits) return isIntegral(d) ? rescale(d.units, d.scale, 0) : null;
  return rescale(d.units, d.scale, format.exponent);
}

/**
 * Writes minor units back in the representation of `like` (the value being replaced):
 * a string stays a string, anything else becomes a number.
 * `fromMinor(6543n, { exponent: 2, minorUnits: false }, 60.24)` -> `65.43`;
 * `fromMinor(6543n, { exponent: 2, minorUnits: false }, "60.24")` -> `"65.43"`;
 * `fromMinor(6543n, { exponent: 2, minorUnits: true }, 6024)` -> `6543`.
 */
export function fromMinor(minor: bigint, format: MoneyFormat, like: unknown): number | string {
  const text = format.minorUnits ? minor.toString() : formatUnits(minor, format.exponent);
  return typeof like === "string" ? text : Number(text);
}

/**
 * Minor units as a major-unit number for reports (flag details).
 * `majorNumber(6543n, 2)` -> `65.43`; `majorNumber(500n, 0)` -> `500`.
 */
export function majorNumber(minor: bigint, exponent: number): number {
  return Number(formatUnits(minor, exponent));
}
