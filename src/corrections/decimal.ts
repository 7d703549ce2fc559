/**
 * Exact decimal numbers on BigInt: parsing, rescaling and division with half-up rounding.
 * No float arithmetic is used on amounts.
 *
 * `parseDecimal("60.245")` -> `{ units: 60245n, scale: 3 }`; `rescale(60245n, 3, 2)` -> `6025n`.
 */

/** An exact decimal: `value = units / 10^scale`, `scale >= 0`. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** Largest decimal exponent accepted when parsing (`1e40` is fine, `1e400` is refused). */
export const MAX_DECIMAL_EXPONENT = 40;

const DECIMAL_TEXT = /^([+-]?)(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** 10^n as a BigInt. `pow10(3)` -> `1000n`. */
export function pow10(n: number): bigint {
  if (Number.isInteger(n) && n >= 0 && n < POW10.length) return POW10[n];
  return 10n ** BigInt(n);
}

/** 10^0 .. 10^96, the powers amounts use (exponents are capped at MAX_DECIMAL_EXPONENT). */
const POW10: bigint[] = Array.from({ length: 97 }, (_, i) => 10n ** BigInt(i));

/**
 * Parses a finite number or a numeric string into an exact decimal; anything else -> null.
 * Numbers are read through their shortest round-trip text (`0.1` is exactly 1/10).
 * `parseDecimal(60.24)` -> `{ units: 6024n, scale: 2 }`; `parseDecimal("1e3")` -> `{ units: 1000n, scale: 0 }`;
 * `parseDecimal("")`, `parseDecimal(" 1")`, `parseDecimal(NaN)`, `parseDecimal(true)` -> null.
 */
export function parseDecimal(value: unknown): Decimal | null {
  let text: string;
  if (typeof value === "number") {
    // Integers (quantities, whole amounts) need no text: their digits are exact.
    if (Number.isSafeInteger(value)) return { units: BigInt(value), scale: 0 };
    if (!Number.isFinite(value)) return null;
    text = String(value);
  } else if (typeof value === "string") {
    if (value.length === 0 || value.length > 64) return null;
    text = value;
  } else {
    return null;
  }
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) return null;
  // No array destructuring here: the build's closure transform drops holes, defaults and rest elements.
  const sign = m[1];
  const intPart = m[2] ?? "";
  const fracPart = m[3] ?? "";
  const expPart = m[4];
  if (intPart === "" && fracPart === "") return null;
  const exp = expPart === undefined ? 0 : Number(expPart);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_DECIMAL_EXPONENT) return null;
  let units = BigInt((intPart || "0") + fracPart);
  let scale = fracPart.length - exp;
  if (scale < 0) {
    units *= pow10(-scale);
    scale = 0;
  }
  return { units: sign === "-" ? -units : units, scale };
}

/**
 * `n / d` rounded half up (half away from zero); `d` must not be 0.
 * `divHalfUp(5n, 2n)` -> `3n`; `divHalfUp(-5n, 2n)` -> `-3n`; `divHalfUp(4n, 3n)` -> `1n`.
 */
export function divHalfUp(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError("division by zero");
  const negative = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (2n * an + ad) / (2n * ad);
  return negative ? -q : q;
}

/**
 * Re-expresses `units / 10^from` with `to` decimals, rounding half up.
 * `rescale(60245n, 3, 2)` -> `6025n`; `rescale(6024n, 2, 3)` -> `60240n`.
 */
export function rescale(units: bigint, from: number, to: number): bigint {
  if (to >= from) return units * pow10(to - from);
  return divHalfUp(units, pow10(from - to));
}

/** True when the decimal has no fractional part. `isIntegral({ units: 600n, scale: 2 })` -> true. */
export function isIntegral(d: Decimal): boolean {
  return d.units % pow10(d.scale) === 0n;
}

/**
 * Formats `units / 10^scale` as plain decimal text with exactly `scale` decimals.
 * `formatUnits(6543n, 2)` -> `"65.43"`; `formatUnits(-5n, 2)` -> `"-0.05"`; `formatUnits(500n, 0)` -> `"500"`.
 */
export function formatUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Configured bounds (a handful of numbers) as exact decimals. */
const BOUNDS = new Map<number, Decimal | null>();

/**
 * The sign of `num / den - bound` (`den` > 0), exactly: `bound` is read as the decimal it is
 * written as (`0.05` is 5/100, not the double nearest it), and no quotient is rounded, so a
 * ratio equal to a decimal bound compares equal at any size (a float quotient stops telling
 * neighbours apart beyond 2^53). A bound `parseDecimal` cannot read (an exponent beyond +-40)
 * is compared as a double.
 *
 * `compareRatio(1n, 20n, 0.05)` -> 0; `compareRatio(10000000000000000001n, 200000000000000000000n, 0.05)` -> 1.
 */
export function compareRatio(num: bigint, den: bigint, bound: number): -1 | 0 | 1 {
  let d = BOUNDS.get(bound);
  if (d === undefined) {
    d = parseDecimal(bound);
    if (BOUNDS.size < 256) BOUNDS.set(bound, d);
  }
  if (d === null) {
    const ratio = Number(num) / Number(den);
    return ratio < bound ? -1 : ratio > bound ? 1 : 0;
  }
  const lhs = num * pow10(d.scale);
  const rhs = d.units * den;
  return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
}
