/**
 * The "incorrectly processed events" family of the generator: the rates snapshot, exact
 * amount_usd of normal orders, fault counts, and an oracle run of the correction cores.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { itemsTotal } from "../../src/corrections/arithmetic";
import { toUsdCents } from "../../src/corrections/currency";
import { currencyExponent } from "../../src/corrections/currency-codes";
import { toMinor } from "../../src/corrections/money";
import { getPath } from "../../src/corrections/paths";
import { addDays, lookupRate, utcDate } from "../../src/corrections/rate-table";
import { DatedOxrSnapshot } from "../../src/corrections/rates/oxr-snapshot";
import { defaultRatesPath, generate, scoreRun, type GenerateSummary } from "../../src/generate";
import { correct, loadRates, type OracleEvent } from "./correction-oracle";

const dir = mkdtempSync(join(tmpdir(), "gen-corr-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const NOW = new Date("2026-03-15T12:00:00.000Z");
const DAY = 86_400_000;
const NEW_KINDS = ["currency_mismatch", "arithmetic_mismatch", "zero_duration", "field_swap"] as const;
const NEW_LOOKALIKES = ["jpy_order", "bhd_order", "rate_fallback", "large_order", "phone_like_email", "one_second_call"] as const;

type Obj = Record<string, unknown>;

function run(name: string, events: number, seed: number, now = NOW): GenerateSummary {
  return generate({ events, seed, now, out: join(dir, `${name}.jsonl`) });
}

function jsonLines(path: string): Obj[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Obj);
}

/** The valid events of a generated file (bad lines skipped by their truth line numbers). */
function validEvents(s: GenerateSummary, truth: ReadonlyArray<Obj>): OracleEvent[] {
  const dead = new Set(truth.filter((r) => r.kind === "dead_letter").map((r) => r.line as number));
  const out: OracleEvent[] = [];
  readFileSync(s.out, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line === "" || dead.has(i + 1)) return;
      const e = JSON.parse(line) as Obj;
      out.push({ event_id: String(e.event_id), source: String(e.source), event_type: String(e.event_type), timestamp: String(e.timestamp), data: e.data as Obj });
    });
  return out;
}

const big = run("big", 20_000, 2026);
const bigTruth = jsonLines(big.truth);
const bigEvents = validEvents(big, bigTruth);

test("the rates snapshot sits next to the output and covers the traffic dates plus 8 days, but one weekend", () => {
  assert.equal(big.rates, join(dir, "big.rates.jsonl"));
  assert.equal(defaultRatesPath("/x/e.jsonl"), "/x/e.rates.jsonl");
  assert.equal(defaultRatesPath("/x/e.txt"), "/x/e.txt.rates.jsonl");
  assert.ok(existsSync(big.rates));
  const lines = jsonLines(big.rates);
  const dates = lines.map((l) => {
    const parsed = DatedOxrSnapshot.safeParse(l);
    assert.ok(parsed.success, JSON.stringify(l));
    assert.equal(l.base, "USD");
    assert.ok(Number.isInteger(l.timestamp));
    const rates = l.rates as Record<string, number>;
    assert.equal(rates.USD, 1);
    for (const code of ["EUR", "JPY", "BHD", "GBP", "AUD"]) assert.ok(rates[code] > 0, code);
    return String(l.date);
  });
  assert.deepEqual(dates, [...dates].sort());
  const firstTraffic = new Date(NOW.getTime() - 14 * DAY + 1).toISOString().slice(0, 10);
  const expected: string[] = [];
  for (let d: string | null = addDays(firstTraffic, -8); d !== null && d <= NOW.toISOString().slice(0, 10); d = addDays(d, 1)) expected.push(d);
  const missing = expected.filter((d) => !dates.includes(d));
  assert.deepEqual(missing, big.missing_rate_dates);
  assert.ok(missing.length >= 1 && missing.length <= 2, missing.join());
  assert.deepEqual(dates, expected.filter((d) => !missing.includes(d)));
  for (const d of missing) assert.ok([0, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()), `${d} is not a weekend day`);
  // rates move a little from day to day
  const eur = lines.map((l) => (l.rates as Record<string, number>).EUR);
  assert.ok(new Set(eur).size > eur.length / 2);
  assert.ok(Math.max(...eur) / Math.min(...eur) < 1.1);
  // the traffic does have events on the missing dates
  assert.ok(bigEvents.some((e) => missing.includes(String(utcDate(e.timestamp)))));
});

test("rates are deterministic per seed", () => {
  const a = run("ra", 300, 5);
  const b = run("rb", 300, 5);
  const c = run("rc", 300, 6);
  assert.ok(readFileSync(a.rates).equals(readFileSync(b.rates)));
  assert.ok(!readFileSync(a.rates).equals(readFileSync(c.rates)));
});

test("normal orders: amounts respect the currency exponent and amount_usd is exactly the corrections' value", async () => {
  const rates = await loadRates(big.rates, bigEvents);
  const faulted = new Set(bigTruth.filter((r) => typeof r.kind === "string").map((r) => String(r.event_id)));
  // near-duplicates and repeats carry their original's data (possibly from just before midnight)
  const copies = new Set(bigTruth.filter((r) => r.kind === "near_duplicate" || r.lookalike === "repeat_over_1s").map((r) => String(r.event_id)));
  const currencies = new Set<string>();
  let checked = 0;
  let fellBack = 0;
  let discounted = 0;
  for (const e of bigEvents) {
    if (e.event_type !== "order.paid" || faulted.has(e.event_id) || copies.has(e.event_id)) continue;
    const code = String(e.data.currency);
    currencies.add(code);
    const exponent = currencyExponent(code);
    const amount = e.data.amount as number;
    const decimals = String(amount).split(".")[1]?.length ?? 0;
    assert.ok(decimals <= exponent, `${code} ${amount}`);
    const format = { exponent, minorUnits: false };
    const minor = toMinor(amount, format);
    assert.equal(itemsTotal(e.data.items, format), minor, e.event_id);
    for (const item of e.data.items as Obj[]) {
      for (const v of [item.unit_price, item.discount]) if (v !== undefined) assert.ok((String(v).split(".")[1]?.length ?? 0) <= exponent, `${code} ${String(v)}`);
      if (item.discount !== undefined) discounted++;
    }
    const date = String(utcDate(e.timestamp));
    const hit = lookupRate(rates, date, code, 7);
    assert.ok(hit !== null, `${code} ${date}`);
    if (hit.date !== date) fellBack++;
    const usd = toUsdCents(minor as bigint, exponent, hit.rate);
    assert.equal(toMinor(e.data.amount_usd, { exponent: 2, minorUnits: false }), usd, `${e.event_id} ${JSON.stringify(e.data)}`);
    assert.ok((String(e.data.amount_usd).split(".")[1]?.length ?? 0) <= 2, String(e.data.amount_usd));
    checked++;
  }
  assert.ok(checked > 3_000, String(checked));
  assert.ok(fellBack > 50, `fallback orders ${fellBack}`);
  assert.ok(discounted > 100, `discounted items ${discounted}`);
  for (const code of ["USD", "EUR", "GBP", "JPY", "BHD"]) assert.ok(currencies.has(code), code);
});

test("at 20k events: ceil(0.0008 N) of each new fault and look-alike (plus a few orders with both order faults)", () => {
  const per = Math.ceil(0.0008 * 20_000);
  const count = (f: (r: Obj) => boolean): number => bigTruth.filter(f).length;
  const both = new Set(bigTruth.filter((r) => r.kind === "currency_mismatch" && r.cause === "converted_wrong_amount").map((r) => r.event_id));
  assert.equal(both.size, Math.ceil(per / 4));
  for (const id of both) assert.equal(count((r) => r.kind === "arithmetic_mismatch" && r.event_id === id), 1);
  assert.equal(count((r) => r.kind === "currency_mismatch"), per + both.size);
  assert.equal(count((r) => r.kind === "arithmetic_mismatch"), per + both.size);
  assert.equal(count((r) => r.kind === "zero_duration"), per);
  assert.equal(count((r) => r.kind === "field_swap"), per);
  for (const name of NEW_LOOKALIKES) assert.equal(count((r) => r.lookalike === name), per, name);
  assert.deepEqual(big.faults.zero_duration, per);
  // never on an event that has another fault or look-alike
  const byId = new Map<string, string[]>();
  for (const r of bigTruth) {
    if (typeof r.event_id !== "string") continue;
    const list = byId.get(r.event_id) ?? [];
    list.push(String(r.kind ?? r.lookalike));
    byId.set(r.event_id, list);
  }
  for (const r of bigTruth) {
    const name = String(r.kind ?? r.lookalike);
    if (!(NEW_KINDS as ReadonlyArray<string>).includes(name) && !(NEW_LOOKALIKES as ReadonlyArray<string>).includes(name)) continue;
    const others = (byId.get(String(r.event_id)) ?? []).filter((k) => k !== "currency_mismatch" && k !== "arithmetic_mismatch" && k !== name);
    assert.deepEqual(others, [], `${name} ${String(r.event_id)}`);
  }
});

test("look-alikes are what they claim", () => {
  const byId = new Map(bigEvents.map((e) => [e.event_id, e]));
  for (const r of bigTruth) {
    if (typeof r.lookalike !== "string" || !(NEW_LOOKALIKES as ReadonlyArray<string>).includes(r.lookalike)) continue;
    const e = byId.get(String(r.event_id));
    assert.ok(e !== undefined, String(r.event_id));
    const d = e.data;
    switch (r.lookalike) {
      case "jpy_order":
        assert.equal(d.currency, "JPY");
        assert.ok(Number.isInteger(d.amount));
        break;
      case "bhd_order":
        assert.equal(d.currency, "BHD");
        break;
      case "rate_fallback":
        assert.ok(big.missing_rate_dates.includes(String(utcDate(e.timestamp))));
        assert.notEqual(d.currency, "USD");
        break;
      case "large_order":
        assert.ok((d.amount as number) >= 50_000);
        break;
      case "phone_like_email":
        assert.match(String((d.contact as Obj).email), /^\+\d+@[a-z.]+$/);
        assert.match(String((d.contact as Obj).phone), /^\+\d+$/);
        break;
      case "one_second_call":
        assert.equal(d.duration_s, 1);
        break;
    }
  }
});

for (const [events, seed] of [
  [20_000, 7],
  [50_000, 123],
] as const) {
  test(`correctEvent over every generated event flags exactly the truth, corrects to expected, leaves look-alikes alone (${events}, seed ${seed})`, async () => {
    const s = run(`oracle-${seed}`, events, seed);
    const truth = jsonLines(s.truth);
    const all = validEvents(s, truth);
    const rates = await loadRates(s.rates, all);
    const lookalikes = new Set(truth.filter((r) => typeof r.lookalike === "string" && typeof r.event_id === "string").map((r) => String(r.event_id)));
    const flagged = new Map<string, Set<string>>();
    const corrected = new Map<string, Obj>();
    const flags: Obj[] = [];
    const kept: Obj[] = [];
    for (const e of all) {
      const result = correct(e, rates);
      for (const f of result.findings) {
        assert.ok((NEW_KINDS as ReadonlyArray<string>).includes(f.kind), `unexpected ${f.kind} on ${e.event_id}: ${JSON.stringify(f.detail)}`);
        assert.equal(f.action, f.kind === "zero_duration" ? "manual_review" : "none", `${f.kind} ${e.event_id}`);
        const set = flagged.get(f.kind) ?? new Set<string>();
        set.add(e.event_id);
        flagged.set(f.kind, set);
        flags.push({ kind: f.kind, event_id: f.event_id, flag_id: f.flag_id });
      }
      if (lookalikes.has(e.event_id)) {
        assert.equal(result.findings.length, 0, e.event_id);
        assert.equal(result.data, e.data, e.event_id);
        assert.equal(result.corrections.length, 0, e.event_id);
      }
      if (result.data !== e.data) corrected.set(e.event_id, result.data);
      kept.push({ ...e, data: result.data, ...(result.corrections.length > 0 ? { corrections: result.corrections } : {}) });
    }
    for (const kind of NEW_KINDS) {
      const want = new Set(truth.filter((r) => r.kind === kind).map((r) => String(r.event_id)));
      assert.ok(want.size > 0, kind);
      assert.deepEqual([...(flagged.get(kind) ?? [])].sort(), [...want].sort(), kind);
    }
    for (const r of truth) {
      if (r.expected === undefined) continue;
      const data = corrected.get(String(r.event_id));
      assert.ok(data !== undefined, `${String(r.kind)} ${String(r.event_id)} not corrected`);
      if (r.kind === "field_swap") {
        assert.deepEqual({ email: getPath(data, "data.contact.email"), phone: getPath(data, "data.contact.phone") }, r.expected);
      } else {
        const exponent = r.field === "data.amount_usd" ? 2 : currencyExponent(String(data.currency));
        const format = { exponent, minorUnits: false };
        assert.equal(toMinor(getPath(data, String(r.field)), format), toMinor(r.expected, format), `${String(r.kind)} ${String(r.event_id)}`);
      }
    }
    // the same through the scorer, with a run-like events file carrying the corrections
    const flagsPath = join(dir, `flags-${seed}.jsonl`);
    const eventsPath = join(dir, `kept-${seed}.jsonl`);
    writeFileSync(flagsPath, flags.map((f) => JSON.stringify(f) + "\n").join(""));
    writeFileSync(eventsPath, kept.map((e) => JSON.stringify(e) + "\n").join(""));
    const score = scoreRun(flagsPath, s.truth, eventsPath);
    for (const kind of NEW_KINDS) assert.equal(score.kinds[kind].fp + score.kinds[kind].fn, 0, `${kind} ${JSON.stringify(score.kinds[kind])}`);
    assert.equal(score.corrections_checked, truth.filter((r) => r.expected !== undefined).length);
    assert.equal(score.corrections_wrong, 0, JSON.stringify(score.correction_examples));
    assert.equal(score.lookalikes_flagged, 0, JSON.stringify(score.lookalike_examples));
    // the uncorrected input fails every check
    const raw = scoreRun(flagsPath, s.truth, s.out);
    assert.equal(raw.corrections_wrong, raw.corrections_checked);
  });
}
