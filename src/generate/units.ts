import type { PendingEvent } from "./emitter";
import type { AnyFault, ChainFault, DiscountFault, TradeFault } from "./faults";
import type { OrderPricing } from "./orders";
import { PROGRAMS, callData, chainData, discountData, shuffleKeys } from "./payloads";
import type { Rng } from "./prng";
import { CHAIN_NAME, type TruthRecord } from "./truth";

/** The steps of the lead_followup chain, their max delays (DEFAULT_CHAINS) and normal delays. */
export const STEP_TYPES = ["card.scanned", "lead.created", "crm.synced", "followup.sent"] as const;
export const STEP_MAX_DELAY_MS = [0, 5 * 60_000, 15 * 60_000, 60 * 60_000] as const;
/** Normal delay ranges [min, max] ms, well inside the max delays. */
const STEP_DELAY_MS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [5_000, 150_000],
  [20_000, 8 * 60_000],
  [60_000, 40 * 60_000],
];

/** A chain whose step `missing` is not present after its last present step. */
export interface OpenChain {
  readonly key: string;
  readonly missing: string;
  /** Last present step's time + the missing step's max delay. */
  readonly deadline: number;
}

/** What one unit of traffic puts into the file. */
export interface Unit {
  readonly events: PendingEvent[];
  readonly truth: TruthRecord[];
  /** Lines this unit writes (events not lost, not after `now`, plus copies). */
  readonly lines: number;
  readonly open?: OpenChain;
}

/** Counters that make ids unique within one run. */
export interface IdCounters {
  lead: number;
  user: number;
  order: number;
  call: number;
}

function linesOf(events: ReadonlyArray<PendingEvent>): number {
  return events.reduce((n, e) => n + (e.lost ? 0 : 1 + (e.copies ?? 0)), 0);
}

function copiesFor(rng: Rng): number {
  return rng.chance(0.25) ? 2 : 1;
}

/**
 * One lead: card.scanned at `at`, then lead.created, crm.synced, followup.sent within
 * their normal delays. Steps after `now` are not generated (the lead stays open and is
 * reported as `open`). `fault` changes one thing: drops one upstream step, drops the
 * tail from step 1..3, makes one step late, writes one step 1-4 min late in the file
 * (look-alike; inside the default 5 min allowed lateness, so streaming runs agree), or
 * copies one step.
 */
export function chainUnit(rng: Rng, ids: IdCounters, at: number, now: number, fault: ChainFault | AnyFault | undefined): Unit {
  const key = `lead-${String(ids.lead++).padStart(7, "0")}`;
  const crm = rng.chance(0.6) ? "hubspot" : "salesforce";
  const sources = [rng.chance(0.55) ? "scanner-ios" : "scanner-android", "lead-service", `crm-${crm}`, "followup-ai"];
  const data = chainData(rng, key, crm);
  const target = fault === undefined ? -1 : fault === "missing_upstream" || fault === "duplicate" ? rng.int(0, fault === "duplicate" ? 3 : 2) : rng.int(1, 3);
  const truth: TruthRecord[] = [];
  const events: PendingEvent[] = [];
  let open: OpenChain | undefined;
  let t = at;
  let lastPresent = at;
  for (let k = 0; k < STEP_TYPES.length; k++) {
    if (k > 0) {
      const [lo, hi] = STEP_DELAY_MS[k];
      t += fault === "late_step" && k === target ? STEP_MAX_DELAY_MS[k] + rng.int(1_000, 30 * 60_000) : rng.int(lo, hi);
    }
    if (t > now) {
      open = { key, missing: STEP_TYPES[k], deadline: lastPresent + STEP_MAX_DELAY_MS[k] };
      break;
    }
    const lost = (fault === "missing_upstream" && k === target) || (fault === "missing_downstream" && k >= target);
    const id = rng.uuid();
    const copies = fault === "duplicate" && k === target ? copiesFor(rng) : 0;
    const fileDelay = fault === "late_in_file" && k === target ? rng.int(60_000, 240_000) : 0;
    events.push({ at: t, id, source: sources[k], type: STEP_TYPES[k], data: data[k], lost, copies, fileDelay });
    if (!lost) lastPresent = t;
    if (lost && fault === "missing_upstream") truth.push({ kind: "missing_upstream", chain: CHAIN_NAME, key, missing: STEP_TYPES[k] });
    if (lost && fault === "missing_downstream" && k === target) open = { key, missing: STEP_TYPES[k], deadline: lastPresent + STEP_MAX_DELAY_MS[k] };
    if (fault === "late_step" && k === target) truth.push({ kind: "late_step", event_id: id });
    if (fileDelay > 0) truth.push({ lookalike: "late_in_file", event_id: id, key });
    for (let c = 0; c < copies; c++) truth.push({ kind: "duplicate", event_id: id });
  }
  return { events, truth, lines: linesOf(events), open };
}

/**
 * One order.paid (store) or call.completed (telephony) at `at`, priced by `pricing`, with at most one fault:
 * a near-duplicate 1..1000 ms later (new id, same data, keys shuffled), a sequence reuse
 * (another event 2..60 s later with the same number), loss, a repeat 1.5..30 s later
 * (look-alike), a 20..120 s file delay (look-alike), or exact copies.
 */
export function tradeUnit(rng: Rng, ids: IdCounters, at: number, kind: "store" | "telephony", fault: TradeFault | AnyFault | undefined, pricing: OrderPricing): Unit {
  const type = kind === "store" ? "order.paid" : "call.completed";
  /** A payload for an event at `t` (orders are valued at the rate of t's UTC date). */
  const make = (t: number): Record<string, unknown> =>
    kind === "store" ? pricing.order(rng, `ord-${String(ids.order++).padStart(8, "0")}`, t) : callData(rng, `call-${String(ids.call++).padStart(8, "0")}`);
  const data = make(at);
  const first: PendingEvent = {
    at,
    id: rng.uuid(),
    source: kind,
    type,
    data,
    lost: fault === "lost",
    copies: fault === "duplicate" ? copiesFor(rng) : 0,
    fileDelay: fault === "reordered" ? rng.int(20_000, 120_000) : 0,
    lookalike: fault === "reordered" ? "reordered" : undefined,
  };
  const events: PendingEvent[] = [first];
  const truth: TruthRecord[] = [];
  for (let c = 0; c < (first.copies ?? 0); c++) truth.push({ kind: "duplicate", event_id: first.id });
  if (fault === "near_duplicate") {
    const copy: PendingEvent = { at: at + rng.int(1, 1_000), id: rng.uuid(), source: kind, type, data: shuffleKeys(rng, data) };
    events.push(copy);
    truth.push({ kind: "near_duplicate", event_id: copy.id, duplicate_of: first.id });
  } else if (fault === "repeat_over_1s") {
    events.push({ at: at + rng.int(1_500, 30_000), id: rng.uuid(), source: kind, type, data: shuffleKeys(rng, data), lookalike: "repeat_over_1s" });
  } else if (fault === "sequence_reused") {
    const reuseAt = at + rng.int(2_000, 60_000);
    const reuse: PendingEvent = { at: reuseAt, id: rng.uuid(), source: kind, type, data: make(reuseAt), reuseOf: first };
    events.push(reuse);
    truth.push({ kind: "sequence_reused", event_id: reuse.id });
  }
  return { events, truth, lines: linesOf(events) };
}

/**
 * One discount.issued (ambassador) for a new user at `at`. Faults: a second code for the
 * same (user, program) 1 min..12 h later (flagged), or for another program (look-alike),
 * or exact copies.
 */
export function discountUnit(rng: Rng, ids: IdCounters, at: number, fault: DiscountFault | AnyFault | undefined): Unit {
  const user = `usr-${String(ids.user++).padStart(7, "0")}`;
  const program = rng.pick(PROGRAMS);
  const first: PendingEvent = {
    at,
    id: rng.uuid(),
    source: "ambassador",
    type: "discount.issued",
    data: discountData(rng, user, program),
    copies: fault === "duplicate" ? copiesFor(rng) : 0,
  };
  const events: PendingEvent[] = [first];
  const truth: TruthRecord[] = [];
  for (let c = 0; c < (first.copies ?? 0); c++) truth.push({ kind: "duplicate", event_id: first.id });
  if (fault === "duplicate_business_key" || fault === "other_program_discount") {
    const other = fault === "duplicate_business_key" ? program : rng.pick(PROGRAMS.filter((p) => p !== program));
    const second: PendingEvent = { at: at + rng.int(60_000, 12 * 3_600_000), id: rng.uuid(), source: "ambassador", type: "discount.issued", data: discountData(rng, user, other) };
    events.push(second);
    truth.push(
      fault === "duplicate_business_key"
        ? { kind: "duplicate_business_key", event_id: second.id }
        : { lookalike: "other_program_discount", event_id: second.id, key: `${user}|${other}` },
    );
  }
  return { events, truth, lines: linesOf(events) };
}
