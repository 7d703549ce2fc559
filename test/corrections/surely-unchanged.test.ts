/**
 * `surelyUnchanged` is a proof, not a guess: whenever it says true, the exact rules
 * (`correctEvent`) must leave the event alone. Tested on a table of cases, on minor-unit reading
 * against the exact parser, and on random orders placed around every edge the exact rules have
 * (the 5 % tolerance, half-cent quotients, 0/2/3-decimal currencies, items that miss by a cent).
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { correctEvent, rewritesEvent } from "../../src/corrections/correct-event";
import type { CorrectionEvent } from "../../src/corrections/correction";
import { toUsdCents } from "../../src/corrections/currency";
import { parseDecimal, pow10 } from "../../src/corrections/decimal";
import { minorOf, surelyUnchanged } from "../../src/corrections/surely-unchanged";
import type { RateTable } from "../../src/corrections/rate-table";
import { config, event, RATES } from "./fixtures";

function exactlyUnchanged(e: CorrectionEvent, rates: RateTable | null): boolean {
  const r = correctEvent(e, rates, config());
  return r.findings.length === 0 && !rewritesEvent(e, r);
}

const good = { currency: "AUD", amount: 54.97, amount_usd: 36.65, items: [{ unit_price: 19.99, quantity: 3, discount: 5 }] };

test("surelyUnchanged: a table of clean and unproven events", () => {
  const cases: Array<[string, Record<string, unknown>, Partial<CorrectionEvent>, boolean]> = [
    ["a correct AUD order", good, {}, true],
    ["a correct JPY order", { currency: "JPY", amount: 15000, amount_usd: 100, items: [{ unit_price: 5000, quantity: 3 }] }, {}, true],
    ["a correct BHD order (3 decimals)", { currency: "BHD", amount: 3.77, amount_usd: 10, items: [{ unit_price: 1.885, quantity: 2 }] }, {}, true],
    ["a correct order on a Sunday (the Friday rate)", good, { timestamp: "2024-03-10T09:00:00Z" }, true],
    ["items miss by a cent", { ...good, amount: 54.96 }, {}, false],
    ["amount_usd off by 10 %", { ...good, amount_usd: 40.32 }, {}, false],
    ["amount as a string", { ...good, amount: "54.97" }, {}, false],
    ["a price with more decimals than the currency", { ...good, items: [{ unit_price: 19.995, quantity: 3, discount: 5.015 }] }, {}, false],
    ["an unknown currency", { ...good, currency: "XXZ" }, {}, false],
    ["no rate within 7 days", good, { timestamp: "2024-02-20T12:00:00Z" }, false],
    ["a carried corrections list", good, { corrections: [] }, false],
    ["an email in phone", { contact: { phone: "ann@example.com", email: "" } }, { event_type: "lead.created" }, false],
    ["a phone in phone", { contact: { phone: "+61 2 9999 0000", email: "ann@example.com" } }, { event_type: "lead.created" }, true],
    ["a call of 30 s", { duration_s: 30 }, { event_type: "call.completed" }, true],
    ["a call of 0 s", { duration_s: 0 }, { event_type: "call.completed" }, false],
    ["a call of 25 h (range rule)", { duration_s: 90_000 }, { event_type: "call.completed" }, false],
    ["a duration as a string", { duration_s: "30" }, { event_type: "call.completed" }, false],
    ["a call without a duration", {}, { event_type: "call.completed" }, true],
    ["a correct order with shipping and tax", { ...good, amount: 64.97, amount_usd: 43.31, shipping: 4.99, tax: 5.01 }, {}, true],
    ["a correct order with an order discount", { ...good, amount: 44.97, amount_usd: 29.98, order_discount: 10 }, {}, true],
    ["shipping not in the amount", { ...good, shipping: 4.99 }, {}, false],
    ["shipping as a string", { ...good, amount: 59.96, shipping: "4.99" }, {}, false],
    ["a discount code in data.discount", { ...good, discount: "AMB10" }, {}, false],
    ["items that do not add up on a cart", { ...good, amount: 59.97, amount_usd: undefined }, { event_type: "cart.updated" }, true],
    ["a crypto order", { currency: "BTC", amount: 0.015, items: [{ unit_price: 0.015, quantity: 1 }] }, {}, true],
  ];
  for (const [name, data, over, expected] of cases) {
    const e = event(data, over);
    assert.equal(surelyUnchanged(e, RATES, config()), expected, name);
    if (expected) assert.ok(exactlyUnchanged(e, RATES), `${name}: the exact rules agree`);
  }
  assert.equal(surelyUnchanged(event(good), RATES, config({ minor_units: true })), false, "minor-unit mode is left to the exact rules");
  assert.equal(surelyUnchanged(event({ ...good, amount_usd: 40.32 }), null, config()), true, "without rates the USD value is not checked");
});

test("minorOf reads exactly what the exact parser reads, or nothing", () => {
  const table: Array<[unknown, number, number | null]> = [
    [19.99, 2, 1999], [0.1, 2, 10], [-5.25, 2, -525], [100, 0, 100], [1.234, 3, 1234], [0, 2, 0],
    [0.335, 2, null], [1.005, 2, null], [1e-7, 2, null], [100.5, 0, null], ["1.00", 2, null], [null, 2, null], [2 ** 50 + 1, 0, null],
  ];
  for (const [value, exponent, expected] of table) assert.equal(minorOf(value, exponent), expected, `minorOf(${String(value)}, ${exponent})`);
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let proven = 0;
  for (let i = 0; i < 200_000; i++) {
    const digits = Math.floor(random() * 5);
    const text = `${Math.floor(random() * 10 ** (1 + Math.floor(random() * 13)))}${digits === 0 ? "" : "." + String(Math.floor(random() * 10 ** digits)).padStart(digits, "0")}`;
    const value = Number(text);
    const exponent = [0, 2, 3][i % 3];
    const n = minorOf(value, exponent);
    if (n === null) continue;
    proven += 1;
    const d = parseDecimal(value);
    assert.ok(d !== null && BigInt(n) * pow10(d.scale) === d.units * pow10(exponent), `${text} at ${exponent} decimals read as ${n}`);
  }
  assert.ok(proven > 50_000, `most values are read (${proven})`);
});

test("random orders around the tolerance, half cents and one-cent misses: true only when the exact rules agree", () => {
  let seed = 99;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const currencies: Array<[string, number]> = [["AUD", 2], ["EUR", 2], ["JPY", 0], ["BHD", 3], ["GBP", 2], ["USD", 2], ["KWD", 3]];
  let provenFar = 0;
  let far = 0;
  for (let i = 0; i < 40_000; i++) {
    const [currency, exponent] = currencies[i % currencies.length];
    const price = 1 + Math.floor(random() * 10 ** (exponent + 4));
    const quantity = 1 + Math.floor(random() * 5);
    const amountMinor = price * quantity + (i % 11 === 0 ? 1 : 0);
    const rate = currency === "USD" ? 1 : RATES["2024-03-08"][currency];
    const expected = Number(toUsdCents(BigInt(amountMinor), exponent, rate));
    // The recorded USD cents: exact, off by a cent or two, or at the tolerance's edge either way.
    const edge = Math.round(expected * (1 + (random() < 0.5 ? -1 : 1) * 0.05));
    const recorded = [expected, expected + 1, expected - 2, edge, edge + 1, edge - 1][i % 6];
    const scale = 10 ** exponent;
    const data = { currency, amount: amountMinor / scale, amount_usd: recorded / 100, items: [{ unit_price: price / scale, quantity }] };
    const e = event(data);
    const exact = exactlyUnchanged(e, RATES);
    const fast = surelyUnchanged(e, RATES, config());
    if (fast) assert.ok(exact, `proven clean but the exact rules act: ${JSON.stringify(data)}`);
    // Clean and far from every edge (exact USD value of at least $1, items adding up): proven.
    if (i % 6 === 0 && i % 11 !== 0 && expected >= 100) {
      far += 1;
      if (fast) provenFar += 1;
    }
  }
  assert.ok(far > 4000);
  assert.equal(provenFar, far, "every clean order far from an edge is proven");
});
