import type { Rng } from "./prng";

/** Faults and look-alikes that only a lead chain can carry. */
export const CHAIN_FAULTS = ["missing_upstream", "missing_downstream", "late_step", "late_in_file"] as const;
/** Faults and look-alikes carried by an order.paid or call.completed. */
export const TRADE_FAULTS = ["near_duplicate", "sequence_reused", "lost", "repeat_over_1s", "reordered"] as const;
/** Faults and look-alikes carried by a discount.issued. */
export const DISCOUNT_FAULTS = ["duplicate_business_key", "other_program_discount"] as const;
/** Faults any event can carry. */
export const ANY_FAULTS = ["duplicate"] as const;

/**
 * Incorrectly processed events (faults and look-alikes), put only on units that carry no other
 * fault: per order.paid, per call.completed, per lead (on its lead.created).
 */
export const ORDER_PROCESSING_FAULTS = ["currency_mismatch", "arithmetic_mismatch", "arithmetic_and_currency", "jpy_order", "bhd_order", "large_order"] as const;
export const CALL_PROCESSING_FAULTS = ["zero_duration", "one_second_call"] as const;
export const LEAD_PROCESSING_FAULTS = ["field_swap", "phone_like_email"] as const;
/** Look-alike order on a date missing from the rates snapshot (planned on those dates only). */
export const FALLBACK_LOOKALIKES = ["rate_fallback"] as const;

export type ChainFault = (typeof CHAIN_FAULTS)[number];
export type TradeFault = (typeof TRADE_FAULTS)[number];
export type DiscountFault = (typeof DISCOUNT_FAULTS)[number];
export type AnyFault = (typeof ANY_FAULTS)[number];
export type OrderProcessingFault = (typeof ORDER_PROCESSING_FAULTS)[number];
export type CallProcessingFault = (typeof CALL_PROCESSING_FAULTS)[number];
export type LeadProcessingFault = (typeof LEAD_PROCESSING_FAULTS)[number];
export type FallbackLookalike = (typeof FALLBACK_LOOKALIKES)[number];

/** Injected faults of each kind (and look-alikes of each name) per generated line. */
export const FAULT_RATE = 0.0008;
/** Bad lines per generated line (cycled over the 8 variants). */
export const DEAD_LETTER_RATE = 0.0008;

const DAY_MS = 86_400_000;
/** Faults are planned between 13 days and 1 day before `now`. */
export const FAULT_WINDOW_START_MS = 13 * DAY_MS;
export const FAULT_WINDOW_END_MS = 1 * DAY_MS;
/** A unit later than `now` minus this does not take a fault (its effects must end before `now`). */
export const FAULT_CUTOFF_MS = 18 * 3_600_000;

/** How many of each fault kind (and of bad lines) `lines` requested lines get: 0 below 100. */
export function faultCount(lines: number, rate: number): number {
  return lines < 100 ? 0 : Math.ceil(lines * rate);
}

/**
 * Planned faults of one category: `count` tickets per fault name at uniform instants of
 * the fault window, in time order. A unit of the category takes the earliest ticket
 * whose instant it has reached (one fault per unit), so faults spread over the window.
 */
export class TicketQueue<F extends string> {
  private readonly tickets: Array<{ at: number; fault: F }> = [];
  private head = 0;

  /**
   * `count`: tickets per fault (or a function of the fault); `window`: [lo, hi) epoch ms of the
   * instants instead of the fault window.
   */
  constructor(rng: Rng, now: number, faults: ReadonlyArray<F>, count: number | ((fault: F) => number), window?: { readonly lo: number; readonly hi: number }) {
    const lo = window?.lo ?? now - FAULT_WINDOW_START_MS;
    const hi = window?.hi ?? now - FAULT_WINDOW_END_MS;
    for (const fault of faults) {
      const n = typeof count === "number" ? count : count(fault);
      for (let i = 0; i < n; i++) this.tickets.push({ at: lo + Math.floor(rng.next() * (hi - lo)), fault });
    }
    this.tickets.sort((a, b) => a.at - b.at || (a.fault < b.fault ? -1 : a.fault > b.fault ? 1 : 0));
  }

  /** The earliest ticket's fault when its instant is <= `at`, without consuming it. */
  due(at: number): F | undefined {
    const t = this.tickets[this.head];
    return t !== undefined && t.at <= at ? t.fault : undefined;
  }

  /** Consumes the earliest ticket. */
  take(): void {
    this.head++;
  }

  /** Tickets not consumed yet. */
  get left(): number {
    return this.tickets.length - this.head;
  }
}
