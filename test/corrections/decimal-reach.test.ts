/**
 * Validation accepts a numeric field only when the money rules can read it
 * (`withinDecimalReach`): for numbers it decides by magnitude, without the text and BigInt
 * work of `parseDecimal`, and must agree with it exactly, at the bounds and on random values.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDecimal } from "../../src/corrections/decimal";
import { Rng } from "../../src/generate/prng";
import { withinDecimalReach } from "../../src/validate";

test("withinDecimalReach(number) is parseDecimal(number) !== null: at the bounds, their neighbours, and 200,000 random magnitudes", () => {
  const bounds = [0, -0, 1e-40, 1e40, 1e41, 1e-41, 9.999999999999999e40, 9.99e-41, 5e-324, Number.MAX_VALUE, 1e21, 1e-7, 60.24, 2 ** 53, 2 ** 53 + 2];
  const values: number[] = [];
  for (const b of bounds) values.push(b, -b, b * (1 + Number.EPSILON), b * (1 - Number.EPSILON / 2));
  const rng = new Rng(7);
  for (let i = 0; i < 200_000; i++) values.push((rng.next() * 10 - 5) * 10 ** rng.int(-45, 45));
  for (const v of values) assert.equal(withinDecimalReach(v), parseDecimal(v) !== null, `${v}`);
});

test("withinDecimalReach(string): at most 64 characters and an exponent within +-40 as written", () => {
  const cases: Array<[string, boolean]> = [
    ["1e40", true],
    ["1e41", false],
    ["1e-40", true],
    ["1e-41", false],
    ["0.0001e-40", true],
    ["1" + "0".repeat(60) + ".00", true],
    ["1" + "0".repeat(61) + ".00", false],
    ["60.24", true],
  ];
  for (const [text, expected] of cases) assert.equal(withinDecimalReach(text), expected, text);
});
