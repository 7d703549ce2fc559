/**
 * order.paid payloads priced in the order's currency and valued in USD at the rate of the event's
 * UTC date, computed with the correction cores' own money functions (BigInt minor units), so the
 * written `amount_usd` is exactly what currency revalidation expects. Also builds the order faults
 * and look-alikes of the "incorrectly processed events" family.
 */
import { deviation, toUsdCents } from "../corrections/currency";
import { currencyExponent } from "../corrections/currency-codes";
import { divHalfUp, parseDecimal, pow10 } from "../corrections/decimal";
import { guardAllows } from "../corrections/guard";
import { majorNumber } from "../corrections/money";
import type { Data } from "./payloads";
import type { Rng } from "./prng";
import { CURRENCIES, rateAt, type RateBook } from "./rates";
import type { FaultRecord } from "./truth";

/** Catalogue: SKU and its USD list price in cents. */
export const SKUS: ReadonlyArray<readonly [string, number]> = [
  ["SCAN-PRO-MO", 4900],
  ["SCAN-TEAM-MO", 14900],
  ["CARD-PACK-100", 1900],
  ["CRM-SYNC-ADDON", 2900],
  ["AI-FOLLOWUP-1K", 9900],
  ["BADGE-PRINTER", 24900],
];

/** Currencies orders are paid in, weighted; picked with one draw of the main stream. */
export const ORDER_CURRENCIES: ReadonlyArray<string> = ["USD", "USD", "USD", "EUR", "EUR", "GBP", "CAD", "AUD", "JPY", "BHD"];

/** Relative changes a fault's correction must stay within (inside the guard's -75 %..+300 %). */
const MIN_CHANGE = -0.7;
const MAX_CHANGE = 2.9;
/** A wrong amount_usd deviates from the expected one by at least this (tolerance is 5 %). */
const MIN_DEVIATION = 0.1;
const USD_EXPONENT = 2;

export interface OrderLine {
  readonly sku: string;
  readonly usdCents: number;
  readonly quantity: number;
  /** Percent of the line's gross taken off as `discount` (0: no discount field). */
  readonly discountPct: number;
}

export interface OrderSpec {
  readonly orderId: string;
  readonly currency: string;
  readonly lines: ReadonlyArray<OrderLine>;
}

/** An order priced at a time: minor units of its currency and the USD cents at the day's rate. */
export interface PricedOrder {
  readonly spec: OrderSpec;
  readonly exponent: number;
  readonly unitMinor: ReadonlyArray<bigint>;
  readonly grossMinor: ReadonlyArray<bigint>;
  readonly discountMinor: ReadonlyArray<bigint>;
  /** sum(gross) - sum(discount): the correct amount. */
  readonly amountMinor: bigint;
  readonly rate: number;
}

function listRate(currency: string): number {
  return CURRENCIES.find((c) => c.code === currency)?.list ?? 1;
}

/** Unit price in minor units of `currency`: the USD list price at the list rate, half up. */
function unitPrice(usdCents: number, currency: string, exponent: number): bigint {
  const r = parseDecimal(listRate(currency));
  if (r === null) throw new Error(`bad list rate for ${currency}`);
  return divHalfUp(BigInt(usdCents) * r.units * pow10(exponent), 100n * pow10(r.scale));
}

/** Draws an order's currency and lines: main-stream draws as the original generator, discounts from `aux`. */
export function drawOrder(rng: Rng, aux: Rng | null, orderId: string): OrderSpec {
  const currency = rng.pick(ORDER_CURRENCIES);
  const count = rng.int(1, 3);
  const lines: OrderLine[] = [];
  for (let i = 0; i < count; i++) {
    const sku = rng.pick(SKUS);
    const quantity = rng.int(1, 4);
    const discountPct = aux !== null && aux.chance(0.18) ? aux.pick([5, 10, 15, 20]) : 0;
    lines.push({ sku: sku[0], usdCents: sku[1], quantity, discountPct });
  }
  return { orderId, currency, lines };
}

/** Prices `spec` with `rate` (units per USD) for amount_usd. */
export function priceOrder(spec: OrderSpec, rate: number): PricedOrder {
  const exponent = currencyExponent(spec.currency);
  const unitMinor = spec.lines.map((l) => unitPrice(l.usdCents, spec.currency, exponent));
  const grossMinor = spec.lines.map((l, i) => unitMinor[i] * BigInt(l.quantity));
  const discountMinor = spec.lines.map((l, i) => divHalfUp(grossMinor[i] * BigInt(l.discountPct), 100n));
  const amountMinor = grossMinor.reduce((s, g) => s + g, 0n) - discountMinor.reduce((s, d) => s + d, 0n);
  return { spec, exponent, unitMinor, grossMinor, discountMinor, amountMinor, rate };
}

/** USD cents of `minor` units of the order's currency at its rate (the currency rule's expected value). */
export function usdCents(p: PricedOrder, minor: bigint): bigint {
  const cents = toUsdCents(minor, p.exponent, p.rate);
  if (cents === null) throw new Error(`bad rate ${p.rate}`);
  return cents;
}

/** The payload: amount and amount_usd as given (defaults: correct values). */
export function orderPayload(p: PricedOrder, amountMinor: bigint = p.amountMinor, usdMinor: bigint = usdCents(p, p.amountMinor)): Data {
  const items: Data[] = p.spec.lines.map((l, i) => {
    const item: Data = { sku: l.sku, unit_price: majorNumber(p.unitMinor[i], p.exponent), quantity: l.quantity };
    if (l.discountPct > 0) item.discount = majorNumber(p.discountMinor[i], p.exponent);
    return item;
  });
  return {
    order_id: p.spec.orderId,
    amount: majorNumber(amountMinor, p.exponent),
    currency: p.spec.currency,
    amount_usd: majorNumber(usdMinor, USD_EXPONENT),
    items,
  };
}

/** Order payloads of one run: priced at the day's rate; remembers each payload's spec. */
export class OrderPricing {
  private readonly specs = new WeakMap<Data, OrderSpec>();

  constructor(
    readonly book: RateBook,
    private readonly aux: Rng,
  ) {}

  /** A correct order at `at` (main-stream draws as the original generator). */
  order(rng: Rng, orderId: string, at: number): Data {
    const spec = drawOrder(rng, this.aux, orderId);
    const data = orderPayload(priceOrder(spec, rateAt(this.book, at, spec.currency).rate));
    this.specs.set(data, spec);
    return data;
  }

  specOf(data: Data): OrderSpec | undefined {
    return this.specs.get(data);
  }

  priced(spec: OrderSpec, at: number): PricedOrder {
    return priceOrder(spec, rateAt(this.book, at, spec.currency).rate);
  }
}

/** A built faulted or look-alike payload with its truth records (without event ids yet). */
export interface BuiltOrder {
  readonly data: Data;
  readonly truth: ReadonlyArray<(eventId: string) => FaultRecord>;
}

function withinGuard(before: bigint, after: bigint): boolean {
  return guardAllows(before, after, { min_change: MIN_CHANGE, max_change: MAX_CHANGE });
}

function clearMismatch(recorded: bigint, expected: bigint): boolean {
  return recorded > 0n && deviation(recorded, expected) >= MIN_DEVIATION && withinGuard(recorded, expected);
}

function currencyTruth(p: PricedOrder, cause: string): (eventId: string) => FaultRecord {
  const expected = majorNumber(usdCents(p, p.amountMinor), USD_EXPONENT);
  return (event_id) => ({ kind: "currency_mismatch", event_id, field: "data.amount_usd", expected, cause });
}

/**
 * amount_usd converted with a wrong rate: not converted at all, multiplied instead of divided, or
 * another currency's rate of that day. Only candidates deviating >= 10 % whose correction is
 * within the guard; null when there is none.
 */
export function currencyMismatch(pricing: OrderPricing, spec: OrderSpec, at: number, rng: Rng): BuiltOrder | null {
  const p = pricing.priced(spec, at);
  const expected = usdCents(p, p.amountMinor);
  const candidates: Array<{ cause: string; usd: bigint }> = [];
  if (spec.currency !== "USD") {
    candidates.push({ cause: "not_converted", usd: divHalfUp(p.amountMinor * pow10(USD_EXPONENT), pow10(p.exponent)) });
    const r = parseDecimal(p.rate);
    if (r !== null) candidates.push({ cause: "multiplied", usd: divHalfUp(p.amountMinor * r.units * pow10(USD_EXPONENT), pow10(p.exponent + r.scale)) });
  }
  for (const c of CURRENCIES) {
    if (c.code === spec.currency) continue;
    const wrong = toUsdCents(p.amountMinor, p.exponent, rateAt(pricing.book, at, c.code).rate);
    if (wrong !== null) candidates.push({ cause: `rate_of_${c.code}`, usd: wrong });
  }
  const ok = candidates.filter((c) => clearMismatch(c.usd, expected));
  if (ok.length === 0) return null;
  const pick = rng.pick(ok);
  return { data: orderPayload(p, p.amountMinor, pick.usd), truth: [currencyTruth(p, pick.cause)] };
}

/**
 * `amount` that does not equal sum(unit_price * quantity) - sum(discount): discounts not taken
 * off, quantities ignored, a line left out or counted twice, or tax added. amount_usd is the
 * USD value of the correct amount, or (`alsoCurrency`) of the wrong one, which is then also a
 * currency mismatch once the amount is corrected. Null when no candidate fits the guard.
 */
export function arithmeticMismatch(pricing: OrderPricing, spec: OrderSpec, at: number, rng: Rng, alsoCurrency: boolean): BuiltOrder | null {
  const withDiscount =
    spec.lines.some((l) => l.discountPct > 0) || !rng.chance(0.5)
      ? spec
      : { ...spec, lines: spec.lines.map((l, i) => (i === 0 ? { ...l, discountPct: rng.pick([10, 15, 20]) } : l)) };
  const p = pricing.priced(withDiscount, at);
  const a = p.amountMinor;
  const gross = p.grossMinor.reduce((s, g) => s + g, 0n);
  const discounts = p.discountMinor.reduce((s, d) => s + d, 0n);
  const candidates: Array<{ cause: string; amount: bigint }> = [];
  if (discounts > 0n) candidates.push({ cause: "discount_not_applied", amount: gross });
  if (withDiscount.lines.some((l) => l.quantity > 1)) candidates.push({ cause: "quantity_ignored", amount: p.unitMinor.reduce((s, u) => s + u, 0n) - discounts });
  p.grossMinor.forEach((g, i) => {
    const net = g - p.discountMinor[i];
    if (p.grossMinor.length > 1) candidates.push({ cause: "line_missing", amount: a - net });
    candidates.push({ cause: "line_counted_twice", amount: a + net });
  });
  for (const tax of [7n, 19n, 20n]) candidates.push({ cause: `tax_${tax}_added`, amount: divHalfUp(a * (100n + tax), 100n) });
  const ok = candidates.filter((c) => {
    if (c.amount <= 0n || c.amount === a || !withinGuard(c.amount, a)) return false;
    return !alsoCurrency || clearMismatch(usdCents(p, c.amount), usdCents(p, a));
  });
  if (ok.length === 0) return null;
  const pick = rng.pick(ok);
  const expected = majorNumber(a, p.exponent);
  const arithmetic = (event_id: string): FaultRecord => ({ kind: "arithmetic_mismatch", event_id, field: "data.amount", expected, cause: pick.cause });
  if (!alsoCurrency) return { data: orderPayload(p, pick.amount), truth: [arithmetic] };
  return { data: orderPayload(p, pick.amount, usdCents(p, pick.amount)), truth: [arithmetic, currencyTruth(p, "converted_wrong_amount")] };
}

/** A correct order re-priced in `currency` (a discount on one line half the time). */
export function inCurrency(pricing: OrderPricing, spec: OrderSpec, at: number, rng: Rng, currency: string): Data {
  const lines = spec.lines.map((l, i) => (i === 0 && l.discountPct === 0 && rng.chance(0.5) ? { ...l, discountPct: rng.pick([5, 10, 15]) } : l));
  return orderPayload(pricing.priced({ ...spec, currency, lines }, at));
}

/** A correct order of 50,000+ in a two-decimal currency: a team plan for hundreds of seats. */
export function largeOrder(pricing: OrderPricing, spec: OrderSpec, at: number, rng: Rng): Data {
  const currency = ["USD", "EUR", "GBP", "CAD", "AUD"].includes(spec.currency) ? spec.currency : "USD";
  const seats = { quantity: rng.int(350, 800) };
  const printers = rng.int(0, 40);
  const build = (): PricedOrder => {
    const lines: OrderLine[] = [{ sku: "SCAN-TEAM-MO", usdCents: 14900, quantity: seats.quantity, discountPct: rng.pick([0, 10, 15]) }];
    if (printers > 0) lines.push({ sku: "BADGE-PRINTER", usdCents: 24900, quantity: printers, discountPct: 0 });
    return pricing.priced({ ...spec, currency, lines }, at);
  };
  let p = build();
  while (p.amountMinor < 50_000n * pow10(p.exponent)) {
    seats.quantity += 100;
    p = build();
  }
  return orderPayload(p);
}
