/**
 * ISO 4217 currency codes and their minor-unit exponents.
 *
 * `currencyExponent("JPY")` -> 0, `currencyExponent("BHD")` -> 3, `currencyExponent("AUD")` -> 2,
 * and any code not listed (for example a crypto code found in a rate table) -> `DEFAULT_CURRENCY_EXPONENT`.
 */

import { parseDecimal } from "./decimal";

/** Exponent used for a code that ISO 4217 does not list with another exponent: 2. */
export const DEFAULT_CURRENCY_EXPONENT = 2;

/** Codes whose minor unit is the major unit (exponent 0). */
const ZERO_DECIMAL: ReadonlyArray<string> = [
  "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
];

/** Codes with three decimals. */
const THREE_DECIMAL: ReadonlyArray<string> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/** Codes with four decimals (units of account). */
const FOUR_DECIMAL: ReadonlyArray<string> = ["CLF", "UYW"];

/** Active ISO 4217 codes with exponent 2 (plus the ones above, the whole known list). */
const TWO_DECIMAL: ReadonlyArray<string> = [
  "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BMD", "BND",
  "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CNY", "COP", "COU",
  "CRC", "CUC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
  "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "IRR", "JMD", "KES",
  "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT",
  "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB",
  "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
  "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY", "TTD", "TWD",
  "TZS", "UAH", "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XCD", "XCG", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
];

const EXPONENTS: ReadonlyMap<string, number> = new Map<string, number>([
  ...TWO_DECIMAL.map((c): [string, number] => [c, 2]),
  ...ZERO_DECIMAL.map((c): [string, number] => [c, 0]),
  ...THREE_DECIMAL.map((c): [string, number] => [c, 3]),
  ...FOUR_DECIMAL.map((c): [string, number] => [c, 4]),
]);

/** True for a code this library knows as ISO 4217: `isKnownCurrency("EUR")` -> true, `"XYZ"` -> false. */
export function isKnownCurrency(code: string): boolean {
  return EXPONENTS.has(code);
}

/**
 * Minor-unit exponent of `code`; `overrides` (from config) win over ISO 4217.
 * `currencyExponent("KWD")` -> 3; `currencyExponent("BTC", { BTC: 8 })` -> 8.
 */
export function currencyExponent(code: string, overrides: Readonly<Record<string, number>> = {}): number {
  if (Object.hasOwn(overrides, code)) return overrides[code];
  return EXPONENTS.get(code) ?? DEFAULT_CURRENCY_EXPONENT;
}

/** Most decimals `amountExponent` reads an amount of an unlisted code with (wei has 18). */
export const MAX_WRITTEN_EXPONENT = 18;

/**
 * The exponent an amount of `code` is read with: the configured or ISO 4217 one; for a code
 * neither lists (a crypto code found in a rate table), the decimals the amount is written with,
 * at least `DEFAULT_CURRENCY_EXPONENT` (and at most 18), so no digit of it is rounded away. In
 * minor-unit mode the written form says nothing: such a code needs `currency_exponents`.
 * `amountExponent("BTC", {}, 0.015, false)` -> 3; `amountExponent("BTC", { BTC: 8 }, 0.015, false)` -> 8;
 * `amountExponent("EUR", {}, 1.005, false)` -> 2.
 */
export function amountExponent(code: string, overrides: Readonly<Record<string, number>>, amount: unknown, minorUnits: boolean): number {
  if (Object.hasOwn(overrides, code) || EXPONENTS.has(code) || minorUnits) return currencyExponent(code, overrides);
  const written = parseDecimal(amount);
  return written === null ? DEFAULT_CURRENCY_EXPONENT : Math.min(MAX_WRITTEN_EXPONENT, Math.max(DEFAULT_CURRENCY_EXPONENT, written.scale));
}

/**
 * Normalizes a currency field: three letters, upper-cased; anything else -> null.
 * `normalizeCurrency(" aud")` -> null (no trimming), `normalizeCurrency("aud")` -> "AUD".
 */
export function normalizeCurrency(value: unknown): string | null {
  return typeof value === "string" && /^[A-Za-z]{3}$/.test(value) ? value.toUpperCase() : null;
}
