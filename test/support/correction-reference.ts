/**
 * An independent reference of the correction rules (field swap -> arithmetic -> currency on the
 * corrected amount -> call checks), written from the specification in README ("### Corrections"
 * and the rules table), not from src/corrections. Exact decimal arithmetic on bigints: a number is
 * read through its shortest decimal text (`String(60.24)` = "60.24", so 1.005 is 1.005, not the
 * binary 1.00499...), a rate likewise; every comparison (tolerance, guard) is done on rationals.
 *
 * It works on the default paths only (data.amount, data.currency, data.amount_usd, data.items,
 * data.contact, data.duration_s) and the configurable numbers (tolerance, guard bounds, fallback
 * days, minor-unit mode, exponent overrides, range rules).
 *
 * Choices where the specification is silent (each one checked against the existing tests in
 * test/corrections, which are the project's intended behaviour where they are explicit):
 * - a corrected value keeps the representation of the value it replaces: a number stays a number,
 *   a numeric string becomes a string with exactly `exponent` decimals ("65.00"); in minor-unit
 *   mode an integer (a string stays a string of the integer);
 * - a recorded amount_usd with more than 2 decimals is first rounded half up to cents, and the
 *   deviation is |recorded - expected| / |expected| in cents (a refund is negative);
 * - an expected USD value of 0 deviates infinitely from any other recorded value (flagged) and not
 *   at all from 0;
 * - a correction that moves a value to 0 is a -100 % change (blocked by the default guard);
 * - detail values (expected, recorded, expected_usd, recorded_usd) are major units as numbers,
 *   also in minor-unit mode (the implementation's choice; no test says otherwise);
 * - the currency rule needs a readable amount: without one (missing, not a number, a fraction in
 *   minor-unit mode) it says nothing but unknown_currency (a property of the currency field alone),
 *   in particular no rate_unavailable;
 * - an amount_usd of null is missing (nothing to check), like an absent one; "" or true is not a
 *   number (flagged, manual_review).
 */

/** An exact decimal: `n / 10^s`. */
export interface Dec {
  readonly n: bigint;
  readonly s: number;
}

const P10: bigint[] = [];
export function pow10(k: number): bigint {
  if (k < 0) throw new RangeError("negative power");
  if (k < 300) {
    for (let i = P10.length; i <= k; i++) P10.push(i === 0 ? 1n : P10[i - 1] * 10n);
    return P10[k];
  }
  return 10n ** BigInt(k);
}

const DEC_TEXT = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Reads a finite number or a plain numeric string ("-12.5", "1e3") exactly; anything else null. */
export function readDecimal(v: unknown): Dec | null {
  let text: string;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return null;
    text = String(v);
  } else if (typeof v === "string") {
    text = v;
    // Only what Number() also reads as finite.
    if (!Number.isFinite(Number(v))) return null;
  } else return null;
  const m = DEC_TEXT.exec(text);
  if (m === null) return null;
  const frac = m[3] ?? "";
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  let n = BigInt(m[2] + frac);
  let s = frac.length - exp;
  if (s < 0) {
    n *= pow10(-s);
    s = 0;
  }
  if (m[1] === "-") n = -n;
  return { n, s };
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);

/** n / d rounded half away from zero ("half up" on magnitudes, as for refunds). */
export function roundDiv(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError("division by zero");
  const neg = n < 0n !== d < 0n;
  const q = (2n * abs(n) + abs(d)) / (2n * abs(d));
  return neg ? -q : q;
}

/** The decimal rescaled to `exp` decimals, half up. */
export function atScale(d: Dec, exp: number): bigint {
  return d.s <= exp ? d.n * pow10(exp - d.s) : roundDiv(d.n, pow10(d.s - exp));
}

/** The integer text of minor units at `exp` decimals: (6500n, 2) -> "65.00". */
export function unitsText(minor: bigint, exp: number): string {
  const neg = minor < 0n;
  const digits = abs(minor).toString().padStart(exp + 1, "0");
  const body = exp === 0 ? digits : `${digits.slice(0, digits.length - exp)}.${digits.slice(digits.length - exp)}`;
  return neg ? `-${body}` : body;
}

/** ISO 4217 codes with an exponent other than 2, and the other codes the reference knows. */
const ISO_EXPONENT: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};
/** ISO 4217 codes of exponent 2 that the differential draws (a subset is enough: it draws no others). */
const ISO_TWO = ["USD", "EUR", "AUD", "GBP", "CHF", "CAD", "NZD", "SEK", "NOK", "DKK", "INR", "CNY", "MXN", "BRL", "ZAR", "SGD", "HKD"];
export function isIsoCurrency(code: string): boolean {
  return Object.hasOwn(ISO_EXPONENT, code) || ISO_TWO.includes(code);
}

export interface RefConfig {
  readonly min_change: number;
  readonly max_change: number;
  readonly tolerance: number;
  readonly max_fallback_days: number;
  readonly minor_units: boolean;
  readonly currency_exponents: Readonly<Record<string, number>>;
  readonly range_rules: ReadonlyArray<{ event_type: string; path: string; min?: number; max?: number }>;
}

export const REF_DEFAULTS: RefConfig = {
  min_change: -0.75,
  max_change: 3,
  tolerance: 0.05,
  max_fallback_days: 7,
  minor_units: false,
  currency_exponents: {},
  range_rules: [{ event_type: "call.completed", path: "data.duration_s", max: 86_400 }],
};

export function exponentOf(code: string | null, cfg: RefConfig): number {
  if (code !== null && Object.hasOwn(cfg.currency_exponents, code)) return cfg.currency_exponents[code];
  if (code !== null && Object.hasOwn(ISO_EXPONENT, code)) return ISO_EXPONENT[code];
  return 2;
}

/**
 * The exponent an amount is read with: `exponentOf`, except for a code that is neither ISO nor
 * configured (in major-unit mode): the amount's written decimals, between 2 and 18.
 */
export function amountExponentOf(code: string | null, cfg: RefConfig, amount: unknown): number {
  if (code === null || cfg.minor_units || Object.hasOwn(cfg.currency_exponents, code) || isIsoCurrency(code)) return exponentOf(code, cfg);
  const d = readDecimal(amount);
  return d === null ? 2 : Math.min(18, Math.max(2, d.s));
}

/** Order-level amounts of the default config: added, then subtracted. */
export const REF_ADD_PATHS = ["shipping", "tax"];
export const REF_SUBTRACT_PATHS = ["order_discount", "discount"];

/** "aud" -> "AUD"; anything but three letters -> null. */
export function currencyCode(v: unknown): string | null {
  return typeof v === "string" && /^[A-Za-z]{3}$/.test(v) ? v.toUpperCase() : null;
}

/** A money value in minor units: major units rounded half up, or (minor-unit mode) an integer only. */
export function minorOf(v: unknown, exp: number, minorMode: boolean): bigint | null {
  const d = readDecimal(v);
  if (d === null) return null;
  if (!minorMode) return atScale(d, exp);
  if (d.s === 0) return d.n;
  const f = pow10(d.s);
  return d.n % f === 0n ? d.n / f : null;
}

/** Writes minor units in the representation of the value they replace. */
export function writeMoney(minor: bigint, exp: number, minorMode: boolean, before: unknown): unknown {
  const text = minorMode ? minor.toString() : unitsText(minor, exp);
  return typeof before === "string" ? text : Number(text);
}

/** `a/b` compared with decimal `x` (b > 0): sign of a/b - x. */
function cmpRatio(a: bigint, b: bigint, x: number): number {
  const d = readDecimal(x);
  if (d === null) throw new RangeError("not a decimal");
  const lhs = a * pow10(d.s);
  const rhs = d.n * b;
  return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
}

/** Guard: before a non-zero number and min <= (after - before) / |before| <= max, inclusive. */
export function guardAllows(before: bigint | null, after: bigint, cfg: Pick<RefConfig, "min_change" | "max_change">): boolean {
  if (before === null || before === 0n) return false;
  const num = after - before;
  const den = abs(before);
  return cmpRatio(num, den, cfg.min_change) >= 0 && cmpRatio(num, den, cfg.max_change) <= 0;
}

export type RateTableLike = Readonly<Record<string, Readonly<Record<string, number>>>> | null;

function utcDate(timestamp: string): string | null {
  const t = Date.parse(timestamp);
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : null;
}

function daysBefore(date: string, k: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - k * 86_400_000).toISOString().slice(0, 10);
}

function usableRate(r: unknown): r is number {
  return typeof r === "number" && Number.isFinite(r) && r > 0;
}

export function refLookupRate(table: NonNullable<RateTableLike>, date: string, code: string, maxBack: number): { rate: number; date: string } | null {
  if (code === "USD") return { rate: 1, date };
  for (let k = 0; k <= maxBack; k++) {
    const day = daysBefore(date, k);
    const row = Object.hasOwn(table, day) ? table[day] : undefined;
    const r = row !== undefined && Object.hasOwn(row, code) ? row[code] : undefined;
    if (usableRate(r)) return { rate: r, date: day };
  }
  return null;
}

function tableQuotes(table: NonNullable<RateTableLike>, code: string): boolean {
  return Object.values(table).some((row) => Object.hasOwn(row, code));
}

/** USD cents expected for `amountMinor` (at `exp` decimals) at `rate` units per USD, half up. */
export function expectedUsdCents(amountMinor: bigint, exp: number, rate: number): bigint {
  const r = readDecimal(rate);
  if (r === null || r.n <= 0n) throw new RangeError("bad rate");
  // amount = amountMinor / 10^exp; rate = r.n / 10^r.s; cents = amount / rate * 100
  return roundDiv(amountMinor * 100n * pow10(r.s), pow10(exp) * r.n);
}

export interface RefCorrection {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly rule: string;
}
export interface RefFinding {
  readonly kind: string;
  readonly action: "none" | "manual_review";
  readonly detail: Record<string, unknown>;
}
export interface RefEvent {
  readonly event_id: string;
  readonly event_type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
  /** (rule, field) pairs the event already carries. */
  readonly carried: ReadonlyArray<readonly [string, string]>;
}
export interface RefResult {
  readonly data: Record<string, unknown>;
  readonly corrections: RefCorrection[];
  readonly findings: RefFinding[];
}

// --- contact values -------------------------------------------------------------------------

export function refIsEmail(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const parts = v.split("@");
  if (parts.length !== 2) return false;
  const [local, domain] = parts;
  if (local.length === 0 || /\s/.test(v)) return false;
  const labels = domain.split(".");
  return labels.length >= 2 && labels.every((l) => l.length > 0);
}

/** Dashes and spaces a phone number may be written with, besides "-" and " ". */
const PHONE_SEPARATORS = new Set(["\u00a0", "\u2007", "\u2009", "\u202f", "\u3000", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "/", ".", "(", ")", "-", " "]);

export function refIsPhone(v: unknown): boolean {
  if (typeof v !== "string" || v.length > 64) return false;
  let body = v.toLowerCase().startsWith("tel:") ? v.slice(4) : v;
  // An extension: "ext", "ext.", "x" or "#", optional spaces, 1-6 digits, at the end.
  const ext = /[\s\u00a0\u2007\u2009\u202f\u3000]*(ext\.?|x|#)[\s\u00a0\u2007\u2009\u202f\u3000]*\d{1,6}$/i.exec(body);
  if (ext !== null) body = body.slice(0, ext.index);
  if (body.startsWith("+")) body = body.slice(1);
  let digits = 0;
  for (const ch of body) {
    if (ch >= "0" && ch <= "9") digits++;
    else if (!PHONE_SEPARATORS.has(ch)) return false;
  }
  return body.length > 0 && digits >= 7 && digits <= 20;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "";
}

/** Reads a number or numeric string as a JS number (call checks). */
function numberOf(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && readDecimal(v) !== null) return Number(v);
  return null;
}

// --- the rules ------------------------------------------------------------------------------

export function referenceCorrect(event: RefEvent, rates: RateTableLike, cfg: RefConfig): RefResult {
  const carried = (rule: string, field: string): boolean => event.carried.some(([r, f]) => r === rule && f === field);
  const data: Record<string, unknown> = structuredClone(event.data);
  const corrections: RefCorrection[] = [];
  const findings: RefFinding[] = [];

  // 1. field swap on data.contact
  if (!carried("field_swap", "data.contact.phone") && !carried("field_swap", "data.contact.email") && isObject(data.contact)) {
    const c = data.contact;
    const phone = c.phone;
    const email = c.email;
    if (refIsEmail(phone) && (refIsPhone(email) || isEmpty(email))) {
      const newPhone = email === undefined ? null : email;
      c.phone = newPhone;
      c.email = phone;
      corrections.push({ field: "data.contact.phone", before: phone, after: newPhone, rule: "field_swap" });
      corrections.push({ field: "data.contact.email", before: email === undefined ? null : email, after: phone, rule: "field_swap" });
      findings.push({ kind: "field_swap", action: "none", detail: {} });
    }
  }

  const code = currencyCode(data.currency);

  // 2. arithmetic, on order.* types
  if (!carried("arithmetic", "data.amount") && event.event_type.startsWith("order.")) {
    const exp = amountExponentOf(code, cfg, data.amount);
    const total = itemsTotalMinor(data.items, exp, cfg.minor_units, REF_ADD_PATHS.map((k) => data[k]), REF_SUBTRACT_PATHS.map((k) => data[k]));
    if (total !== null) {
      const before = data.amount;
      const recorded = minorOf(before, exp, cfg.minor_units);
      if (recorded !== total) {
        const major = (m: bigint): number => Number(unitsText(m, exp));
        const allowed = guardAllows(recorded, total, cfg);
        findings.push({
          kind: "arithmetic_mismatch",
          action: allowed ? "none" : "manual_review",
          detail: { expected: major(total), recorded: recorded === null ? null : major(recorded) },
        });
        if (allowed) {
          const after = writeMoney(total, exp, cfg.minor_units, before);
          data.amount = after;
          corrections.push({ field: "data.amount", before, after, rule: "arithmetic" });
        }
      }
    }
  }

  // 3. currency, on the (corrected) amount
  const exp = amountExponentOf(code, cfg, data.amount);
  const amountMinor = minorOf(data.amount, exp, cfg.minor_units);
  if (rates !== null && !carried("currency", "data.amount_usd") && data.amount_usd !== undefined && data.amount_usd !== null) {
    const date = utcDate(event.timestamp);
    if (code === null || (!isIsoCurrency(code) && !tableQuotes(rates, code))) {
      findings.push({ kind: "unknown_currency", action: "manual_review", detail: {} });
    } else if (amountMinor !== null) {
      const hit = date === null ? null : refLookupRate(rates, date, code, cfg.max_fallback_days);
      if (hit === null) {
        findings.push({ kind: "rate_unavailable", action: "none", detail: { currency: code, date, max_fallback_days: cfg.max_fallback_days } });
      } else {
        {
          const expected = expectedUsdCents(amountMinor, exp, hit.rate);
          const before = data.amount_usd;
          const recorded = minorOf(before, 2, cfg.minor_units);
          let flagged: boolean;
          let deviation: number | null = null;
          if (recorded === null) flagged = true;
          else if (expected === 0n) {
            flagged = recorded !== 0n;
            deviation = flagged ? Number.POSITIVE_INFINITY : 0;
          } else {
            const diff = abs(recorded - expected);
            flagged = cmpRatio(diff, abs(expected), cfg.tolerance) > 0;
            deviation = Number(diff) / Number(abs(expected));
          }
          if (flagged) {
            const major = (m: bigint): number => Number(unitsText(m, 2));
            const allowed = guardAllows(recorded, expected, cfg);
            findings.push({
              kind: "currency_mismatch",
              action: allowed ? "none" : "manual_review",
              detail: {
                expected_usd: major(expected),
                recorded_usd: recorded === null ? null : major(recorded),
                rate: hit.rate,
                rate_date: hit.date,
                deviation,
              },
            });
            if (allowed) {
              const after = writeMoney(expected, 2, cfg.minor_units, before);
              data.amount_usd = after;
              corrections.push({ field: "data.amount_usd", before, after, rule: "currency" });
            }
          }
        }
      }
    }
  }

  // 4. call checks
  if (event.event_type === "call.completed") {
    const d = numberOf(data.duration_s);
    if (d !== null && d <= 0) findings.push({ kind: "zero_duration", action: "manual_review", detail: { duration_s: data.duration_s } });
  }
  for (const rule of cfg.range_rules) {
    if (rule.event_type !== event.event_type) continue;
    const segs = rule.path.split(".").slice(1);
    let v: unknown = data;
    for (const s of segs) v = isObject(v) && Object.hasOwn(v, s) ? v[s] : undefined;
    const x = numberOf(v);
    if (x === null) continue;
    if ((rule.min !== undefined && x < rule.min) || (rule.max !== undefined && x > rule.max)) {
      findings.push({ kind: "out_of_range", action: "manual_review", detail: { path: rule.path, value: x, min: rule.min ?? null, max: rule.max ?? null } });
    }
  }

  return { data, corrections, findings };
}

/**
 * sum(unit_price x quantity) - sum(discount), plus `adds` and minus `subtracts` (order-level
 * amounts; absent ones skipped), exactly, then half up once to the currency's minor unit. null (not checked) for a missing or empty list, a malformed item, a fractional quantity,
 * or (minor-unit mode) a fractional price or discount.
 */
export function itemsTotalMinor(items: unknown, exp: number, minorMode: boolean, adds: unknown[] = [], subtracts: unknown[] = []): bigint | null {
  if (!Array.isArray(items) || items.length === 0) return null;
  let num = 0n;
  let scale = 0;
  const add = (d: Dec): void => {
    if (d.s > scale) {
      num *= pow10(d.s - scale);
      scale = d.s;
    }
    num += d.n * pow10(scale - d.s);
  };
  for (const item of items) {
    if (!isObject(item)) return null;
    const price = readDecimal(item.unit_price);
    const qty = readDecimal(item.quantity);
    if (price === null || qty === null) return null;
    if (qty.n % pow10(qty.s) !== 0n) return null;
    const q = qty.n / pow10(qty.s);
    let discount: Dec = { n: 0n, s: 0 };
    if (item.discount !== undefined && item.discount !== null) {
      const dd = readDecimal(item.discount);
      if (dd === null) return null;
      discount = dd;
    }
    if (minorMode && (price.n % pow10(price.s) !== 0n || discount.n % pow10(discount.s) !== 0n)) return null;
    add({ n: price.n * q, s: price.s });
    add({ n: -discount.n, s: discount.s });
  }
  for (const [values, sign] of [
    [adds, 1n],
    [subtracts, -1n],
  ] as const) {
    for (const v of values) {
      if (v === undefined || v === null) continue;
      const d = readDecimal(v);
      if (d === null || (minorMode && d.n % pow10(d.s) !== 0n)) return null;
      add({ n: sign * d.n, s: d.s });
    }
  }
  if (minorMode) return num / pow10(scale);
  return atScale({ n: num, s: scale }, exp);
}
