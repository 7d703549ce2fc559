import { DEAD_LETTER_VARIANTS, deadLetterLine } from "./dead-letters";
import { Emitter } from "./emitter";
import { ANY_FAULTS, CHAIN_FAULTS, DEAD_LETTER_RATE, DISCOUNT_FAULTS, FAULT_CUTOFF_MS, FAULT_RATE, TRADE_FAULTS, TicketQueue, faultCount, type AnyFault, type ChainFault, type DiscountFault, type TradeFault } from "./faults";
import { OrderPricing } from "./orders";
import { ProcessingFaults } from "./processing";
import { CounterRestarts } from "./restarts";
import { Rng } from "./prng";
import { buildRates, defaultRatesPath, writeRates } from "./rates";
import { RhythmSampler } from "./rhythm";
import { CHAIN_NAME, defaultTruthPath, type TruthRecord } from "./truth";
import { chainUnit, discountUnit, tradeUnit, type IdCounters, type OpenChain, type Unit } from "./units";
import { LineWriter } from "./writer";

export interface GenerateOptions {
  /** Exact number of lines to write (events, injected copies, near-duplicates and bad lines). */
  readonly events: number;
  readonly seed: number;
  /** End of the traffic window; every valid event time is in (now - 14 days, now]. */
  readonly now: Date;
  /** Events file (JSON lines). */
  readonly out: string;
  /** Truth file; default `defaultTruthPath(out)`. */
  readonly truthOut?: string;
  /** Exchange-rates snapshot (JSON lines); default `defaultRatesPath(out)`. */
  readonly ratesOut?: string;
}

export interface GenerateSummary {
  readonly out: string;
  readonly truth: string;
  /** The rates snapshot written next to `out`. */
  readonly rates: string;
  /** UTC dates left out of the rates snapshot (their orders use the nearest earlier date's rates). */
  readonly missing_rate_dates: string[];
  /** Lines in `out`: always exactly `options.events`. */
  readonly lines: number;
  readonly dead_letters: number;
  /** Truth records per fault kind (`sequence_gap` counts ranges). */
  readonly faults: Readonly<Record<string, number>>;
  /** Sequence numbers inside the gap ranges. */
  readonly missing_sequence_numbers: number;
  readonly lookalikes: Readonly<Record<string, number>>;
}

/** Share of units that are leads (4 events each); the rest are orders, calls and discounts. */
const CHAIN_SHARE = 0.14;

/**
 * Writes `events` lines of lead-capture traffic and its truth file, deterministically for
 * (seed, now). The lines are exactly `events`: every generated event that is not lost,
 * plus injected exact copies, near-duplicates, reused-sequence events, second discounts,
 * repeats and bad lines (lost events are not written and take no line).
 *
 * Line slots are drawn in time order from the daily rhythm; each slot that is not
 * already taken starts a unit (a lead chain, an order, a call or a discount) that takes
 * as many slots as it writes lines. Faults come from time-planned tickets (see faults.ts),
 * at most one per unit; faults of the correction family (processing.ts) only go on units
 * without any other. The rates snapshot is written next to `out`. Memory is bounded by the events in flight (~hours of traffic).
 */
export function generate(options: GenerateOptions): GenerateSummary {
  const n = Math.max(0, Math.floor(options.events));
  const now = options.now.getTime();
  const truthPath = options.truthOut ?? defaultTruthPath(options.out);
  const ratesPath = options.ratesOut ?? defaultRatesPath(options.out);
  const rng = new Rng(options.seed);
  // Everything the correction family adds (rates, prices' discounts, its faults) draws from
  // this second stream, so the main stream, and with it every other kind's truth, is unchanged.
  const aux = new Rng((options.seed ^ 0x5bd1e995) >>> 0);
  const book = buildRates(aux, now);
  writeRates(ratesPath, book, now);
  const pricing = new OrderPricing(book, aux);
  const out = new LineWriter(options.out);
  const truthOut = new LineWriter(truthPath);
  const faults: Record<string, number> = {};
  const lookalikes: Record<string, number> = {};
  const record = (r: TruthRecord): void => {
    if ("kind" in r) faults[r.kind] = (faults[r.kind] ?? 0) + 1;
    else lookalikes[r.lookalike] = (lookalikes[r.lookalike] ?? 0) + 1;
    truthOut.write(JSON.stringify(r));
  };
  const emitter = new Emitter(rng, out, record);

  const perKind = faultCount(n, FAULT_RATE);
  const deadPerVariant = Math.min(faultCount(n, DEAD_LETTER_RATE / DEAD_LETTER_VARIANTS.length), Math.floor(n / (2 * DEAD_LETTER_VARIANTS.length)));
  const dead = new TicketQueue(rng, now, DEAD_LETTER_VARIANTS.map((_, i) => String(i)), deadPerVariant);
  const chainQ = new TicketQueue(rng, now, CHAIN_FAULTS, perKind);
  const tradeQ = new TicketQueue(rng, now, TRADE_FAULTS, perKind);
  const discountQ = new TicketQueue(rng, now, DISCOUNT_FAULTS, perKind);
  const anyQ = new TicketQueue(rng, now, ANY_FAULTS, perKind);
  const deadTotal = dead.left;
  const processing = new ProcessingFaults(aux, now, perKind, pricing);
  // Its own stream too: the restarts only move plain events to kiosks.
  const restarts = new CounterRestarts(new Rng((options.seed ^ 0x27d4eb2f) >>> 0), now, perKind);

  const slots = new RhythmSampler(rng, now, n - deadTotal);
  const ids: IdCounters = { lead: 1, user: 1, order: 1, call: 1 };
  const open: OpenChain[] = [];
  const state = { skip: 0, index: 0 };
  /** Schedules every bad line planned up to `due` at file position `at`. */
  const pushDead = (due: number, at: number): void => {
    for (let v = dead.due(due); v !== undefined; v = dead.due(due)) {
      dead.take();
      const variant = Number(v);
      emitter.pushDeadLetter(deadLetterLine(rng, variant, at, now), DEAD_LETTER_VARIANTS[variant].code, at);
    }
  };

  for (let at = slots.next(); at !== undefined; at = slots.next()) {
    const remaining = n - deadTotal - state.index;
    state.index++;
    emitter.advance(at);
    pushDead(at, at);
    if (state.skip > 0) {
      state.skip--;
      continue;
    }
    for (;;) {
      const unit = nextUnit(rng, ids, at, now, remaining, { chainQ, tradeQ, discountQ, anyQ }, pricing);
      processing.apply(unit, at);
      restarts.apply(unit, at);
      for (const e of unit.events) emitter.push(e);
      for (const r of unit.truth) record(r);
      if (unit.open !== undefined) open.push(unit.open);
      if (unit.lines > 0) {
        state.skip = unit.lines - 1;
        break;
      }
    }
  }
  pushDead(Number.POSITIVE_INFINITY, now);
  const gaps = emitter.finish();
  for (const g of gaps) record({ kind: "sequence_gap", ...g });
  for (const c of open) {
    if (emitter.watermark > c.deadline) record({ kind: "missing_downstream", chain: CHAIN_NAME, key: c.key, missing: c.missing });
    else record({ lookalike: "pending_chain", key: c.key });
  }
  out.close();
  truthOut.close();
  return {
    out: options.out,
    truth: truthPath,
    rates: ratesPath,
    missing_rate_dates: [...book.missing],
    lines: out.lines,
    dead_letters: deadTotal,
    faults,
    missing_sequence_numbers: gaps.reduce((s, g) => s + g.to - g.from + 1, 0),
    lookalikes,
  };
}

interface Queues {
  readonly chainQ: TicketQueue<ChainFault>;
  readonly tradeQ: TicketQueue<TradeFault>;
  readonly discountQ: TicketQueue<DiscountFault>;
  readonly anyQ: TicketQueue<AnyFault>;
}

/**
 * Picks the next unit at `at`: a chain with probability CHAIN_SHARE, else an order (40%),
 * call (35%) or discount (25%). It takes its category's due ticket, else a due `duplicate`
 * ticket, when `at` is before the fault cutoff and the faulted unit still fits in
 * `remaining` lines; otherwise it is built again without a fault (and if a chain does not
 * fit, a plain order is built instead).
 */
function nextUnit(rng: Rng, ids: IdCounters, at: number, now: number, remaining: number, q: Queues, pricing: OrderPricing): Unit {
  const r = rng.next();
  const inWindow = at <= now - FAULT_CUTOFF_MS;
  const anyFault = inWindow ? q.anyQ.due(at) : undefined;
  const choose = <F extends string>(own: TicketQueue<F>, build: (fault: F | AnyFault | undefined) => Unit): Unit => {
    const ownFault = inWindow ? own.due(at) : undefined;
    if (ownFault !== undefined || anyFault !== undefined) {
      const faulted = build(ownFault ?? anyFault);
      if (faulted.lines <= remaining) {
        if (ownFault !== undefined) own.take();
        else q.anyQ.take();
        return faulted;
      }
    }
    const plain = build(undefined);
    return plain.lines <= remaining ? plain : tradeUnit(rng, ids, at, "store", undefined, pricing);
  };
  if (r < CHAIN_SHARE) return choose(q.chainQ, (f) => chainUnit(rng, ids, at, now, f));
  const single = (r - CHAIN_SHARE) / (1 - CHAIN_SHARE);
  if (single < 0.4) return choose(q.tradeQ, (f) => tradeUnit(rng, ids, at, "store", f, pricing));
  if (single < 0.75) return choose(q.tradeQ, (f) => tradeUnit(rng, ids, at, "telephony", f, pricing));
  return choose(q.discountQ, (f) => discountUnit(rng, ids, at, f));
}
