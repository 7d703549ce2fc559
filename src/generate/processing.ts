/**
 * Faults and look-alikes of the "incorrectly processed events" family (the correction rules):
 * planned as tickets like the other faults, drawn from the generator's auxiliary random stream,
 * and put only on units that carry nothing else (no fault, no look-alike, no loss, copy or delay),
 * so they never disturb the other kinds' truth. They change only an event's `data`: no line is
 * added or removed.
 */
import type { PendingEvent } from "./emitter";
import {
  CALL_PROCESSING_FAULTS,
  FALLBACK_LOOKALIKES,
  FAULT_CUTOFF_MS,
  LEAD_PROCESSING_FAULTS,
  ORDER_PROCESSING_FAULTS,
  TicketQueue,
  type CallProcessingFault,
  type FallbackLookalike,
  type LeadProcessingFault,
  type OrderProcessingFault,
} from "./faults";
import { arithmeticMismatch, currencyMismatch, inCurrency, largeOrder, type BuiltOrder, type OrderPricing } from "./orders";
import type { Data } from "./payloads";
import type { Rng } from "./prng";
import { onMissingDate } from "./rates";
import type { LookalikeName } from "./truth";
import type { Unit } from "./units";

/** Currencies a fallback look-alike is re-priced in when it was drawn in USD (rate 1 needs no fallback). */
const FALLBACK_CURRENCIES = ["EUR", "GBP", "JPY", "BHD", "AUD", "CAD"];
const SMS_DOMAINS = ["sms.example.com", "txt.acme.io", "sms.globex.net"];

export class ProcessingFaults {
  private readonly orderQ: TicketQueue<OrderProcessingFault>;
  private readonly callQ: TicketQueue<CallProcessingFault>;
  private readonly leadQ: TicketQueue<LeadProcessingFault>;
  private readonly fallbackQ: TicketQueue<FallbackLookalike>;

  /** `perKind` tickets of each fault and look-alike (a quarter as many orders with both arithmetic and currency faults). */
  constructor(
    private readonly rng: Rng,
    private readonly now: number,
    perKind: number,
    private readonly pricing: OrderPricing,
  ) {
    this.orderQ = new TicketQueue(rng, now, ORDER_PROCESSING_FAULTS, (f) => (f === "arithmetic_and_currency" ? Math.ceil(perKind / 4) : perKind));
    this.callQ = new TicketQueue(rng, now, CALL_PROCESSING_FAULTS, perKind);
    this.leadQ = new TicketQueue(rng, now, LEAD_PROCESSING_FAULTS, perKind);
    const book = pricing.book;
    this.fallbackQ = new TicketQueue(rng, now, FALLBACK_LOOKALIKES, perKind, { lo: book.missingFrom, hi: Math.min(book.missingTo, now - FAULT_CUTOFF_MS) });
  }

  /** Puts a due fault or look-alike on `unit` (started at `at`) when it carries nothing else. */
  apply(unit: Unit, at: number): void {
    if (at > this.now - FAULT_CUTOFF_MS || !isPlain(unit)) return;
    const type = unit.events[0].type;
    if (type === "order.paid" && unit.events.length === 1) this.applyOrder(unit, at);
    else if (type === "call.completed" && unit.events.length === 1) this.applyCall(unit);
    else if (type === "card.scanned" && unit.events.length === 4) this.applyLead(unit);
  }

  private applyOrder(unit: Unit, at: number): void {
    const event = unit.events[0];
    const spec = this.pricing.specOf(event.data);
    if (spec === undefined) return;
    const rng = this.rng;
    if (onMissingDate(this.pricing.book, event.at) && this.fallbackQ.due(event.at) !== undefined) {
      const currency = spec.currency === "USD" ? rng.pick(FALLBACK_CURRENCIES) : spec.currency;
      replace(unit, 0, inCurrency(this.pricing, spec, event.at, rng, currency), "rate_fallback");
      this.fallbackQ.take();
      return;
    }
    const fault = this.orderQ.due(at);
    if (fault === undefined) return;
    const lookalike = (data: Data, name: LookalikeName): void => {
      replace(unit, 0, data, name);
      this.orderQ.take();
    };
    const faulted = (built: BuiltOrder | null): void => {
      if (built === null) return;
      replace(unit, 0, built.data);
      for (const t of built.truth) unit.truth.push(t(event.id));
      this.orderQ.take();
    };
    switch (fault) {
      case "currency_mismatch":
        return faulted(currencyMismatch(this.pricing, spec, event.at, rng));
      case "arithmetic_mismatch":
        return faulted(arithmeticMismatch(this.pricing, spec, event.at, rng, false));
      case "arithmetic_and_currency":
        return faulted(arithmeticMismatch(this.pricing, spec, event.at, rng, true));
      case "jpy_order":
        return lookalike(inCurrency(this.pricing, spec, event.at, rng, "JPY"), "jpy_order");
      case "bhd_order":
        return lookalike(inCurrency(this.pricing, spec, event.at, rng, "BHD"), "bhd_order");
      case "large_order":
        return lookalike(largeOrder(this.pricing, spec, event.at, rng), "large_order");
    }
  }

  private applyCall(unit: Unit): void {
    const event = unit.events[0];
    const fault = this.callQ.due(event.at);
    if (fault === undefined) return;
    this.callQ.take();
    if (fault === "zero_duration") {
      replace(unit, 0, { ...event.data, duration_s: this.rng.chance(0.75) ? 0 : -this.rng.int(1, 30) });
      unit.truth.push({ kind: "zero_duration", event_id: event.id });
    } else {
      replace(unit, 0, { ...event.data, duration_s: 1 }, "one_second_call");
    }
  }

  private applyLead(unit: Unit): void {
    const event = unit.events[1];
    const fault = this.leadQ.due(unit.events[0].at);
    const contact = event.data.contact;
    if (fault === undefined || typeof contact !== "object" || contact === null) return;
    const c = contact as Record<string, unknown>;
    const email = c.email;
    const phone = c.phone;
    if (typeof email !== "string" || typeof phone !== "string") return;
    this.leadQ.take();
    if (fault === "field_swap") {
      replace(unit, 1, { ...event.data, contact: { ...c, email: phone, phone: email } });
      unit.truth.push({ kind: "field_swap", event_id: event.id, field: "data.contact", expected: { email, phone } });
    } else {
      const smsEmail = `${phone}@${this.rng.pick(SMS_DOMAINS)}`;
      replace(unit, 1, { ...event.data, contact: { ...c, email: smsEmail } }, "phone_like_email");
    }
  }
}

/** No fault, look-alike, loss, copy, delay or reuse on any event, and nothing open. */
/** A unit that carries no fault or look-alike yet (its events are neither lost, copied, delayed nor reused). */
export function isPlain(unit: Unit): boolean {
  return (
    unit.truth.length === 0 &&
    unit.open === undefined &&
    unit.events.length > 0 &&
    unit.events.every((e) => !e.lost && (e.copies ?? 0) === 0 && (e.fileDelay ?? 0) === 0 && e.lookalike === undefined && e.reuseOf === undefined)
  );
}

/** Replaces event `i`'s data (and marks it as a look-alike, recorded with its sequence on release). */
function replace(unit: Unit, i: number, data: Data, lookalike?: LookalikeName): void {
  const e: PendingEvent = unit.events[i];
  unit.events[i] = lookalike === undefined ? { ...e, data } : { ...e, data, lookalike };
}
