import { test } from "node:test";
import assert from "node:assert/strict";
import { divHalfUp, formatUnits, parseDecimal, rescale } from "../../src/corrections/decimal";
import { currencyExponent, isKnownCurrency, normalizeCurrency } from "../../src/corrections/currency-codes";
import { fromMinor, toMinor } from "../../src/corrections/money";

test("parseDecimal reads numbers and numeric strings exactly", () => {
  const cases: Array<[unknown, { units: bigint; scale: number } | null]> = [
    [60.24, { units: 6024n, scale: 2 }],
    ["60.24", { units: 6024n, scale: 2 }],
    ["-0.5", { units: -5n, scale: 1 }],
    [".5", { units: 5n, scale: 1 }],
    ["1e3", { units: 1000n, scale: 0 }],
    [1e-7, { units: 1n, scale: 7 }],
    [0.1, { units: 1n, scale: 1 }],
    ["", null],
    [" 1", null],
    ["1,5", null],
    ["abc", null],
    [".", null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    [true, null],
    [null, null],
    ["1e400", null],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parseDecimal(input), expected, String(input));
});

test("divHalfUp rounds half away from zero", () => {
  const cases: Array<[bigint, bigint, bigint]> = [
    [5n, 2n, 3n], [-5n, 2n, -3n], [4n, 3n, 1n], [5n, 3n, 2n], [7n, 2n, 4n], [1n, 4n, 0n], [-1n, 4n, 0n], [3n, -2n, -2n],
  ];
  for (const [n, d, q] of cases) assert.equal(divHalfUp(n, d), q, `${n}/${d}`);
  assert.throws(() => divHalfUp(1n, 0n), RangeError);
});

test("rescale and formatUnits", () => {
  assert.equal(rescale(60245n, 3, 2), 6025n);
  assert.equal(rescale(60244n, 3, 2), 6024n);
  assert.equal(rescale(6024n, 2, 3), 60240n);
  assert.equal(formatUnits(6543n, 2), "65.43");
  assert.equal(formatUnits(-5n, 2), "-0.05");
  assert.equal(formatUnits(500n, 0), "500");
  assert.equal(formatUnits(1234n, 3), "1.234");
});

test("ISO 4217 exponents", () => {
  const cases: Array<[string, number]> = [
    ["USD", 2], ["AUD", 2], ["EUR", 2], ["JPY", 0], ["KRW", 0], ["CLP", 0], ["VND", 0],
    ["BHD", 3], ["KWD", 3], ["JOD", 3], ["OMR", 3], ["TND", 3], ["CLF", 4], ["BTC", 2], ["XYZ", 2],
  ];
  for (const [code, exp] of cases) assert.equal(currencyExponent(code), exp, code);
  assert.equal(currencyExponent("BTC", { BTC: 8 }), 8);
  assert.equal(currencyExponent("JPY", { JPY: 2 }), 2);
  assert.equal(isKnownCurrency("EUR"), true);
  assert.equal(isKnownCurrency("XYZ"), false);
  assert.equal(normalizeCurrency("aud"), "AUD");
  assert.equal(normalizeCurrency("AU"), null);
  assert.equal(normalizeCurrency(12), null);
});

test("toMinor: major units, numeric strings, half-up, minor-unit mode", () => {
  const usd = { exponent: 2, minorUnits: false };
  const jpy = { exponent: 0, minorUnits: false };
  const bhd = { exponent: 3, minorUnits: false };
  const minor = { exponent: 2, minorUnits: true };
  const cases: Array<[unknown, { exponent: number; minorUnits: boolean }, bigint | null]> = [
    [60.24, usd, 6024n],
    ["60.24", usd, 6024n],
    [60.245, usd, 6025n],
    [60.244, usd, 6024n],
    [-60.245, usd, -6025n],
    [1.005, usd, 101n],
    [100, jpy, 100n],
    [100.5, jpy, 101n],
    [100.4, jpy, 100n],
    [1.2345, bhd, 1235n],
    ["1.234", bhd, 1234n],
    [6024, minor, 6024n],
    ["6024", minor, 6024n],
    [60.24, minor, null],
    ["x", usd, null],
    [undefined, usd, null],
  ];
  for (const [value, format, expected] of cases) assert.equal(toMinor(value, format), expected, `${String(value)} ${JSON.stringify(format)}`);
});

test("fromMinor keeps the representation of the replaced value", () => {
  assert.equal(fromMinor(6543n, { exponent: 2, minorUnits: false }, 60.24), 65.43);
  assert.equal(fromMinor(6543n, { exponent: 2, minorUnits: false }, "60.24"), "65.43");
  assert.equal(fromMinor(6500n, { exponent: 2, minorUnits: false }, "60.24"), "65.00");
  assert.equal(fromMinor(6543n, { exponent: 2, minorUnits: true }, 6024), 6543);
  assert.equal(fromMinor(1235n, { exponent: 3, minorUnits: false }, 1), 1.235);
});
