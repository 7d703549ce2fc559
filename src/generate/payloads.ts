import { drawOrder, orderPayload, priceOrder } from "./orders";
import type { Rng } from "./prng";
import { CURRENCIES } from "./rates";

/** A JSON object as written in `data`. */
export type Data = Record<string, unknown>;

const FIRST = ["Ana", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kira", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yara", "Zoe"];
const LAST = ["Silva", "Meyer", "Okafor", "Garcia", "Novak", "Tanaka", "Kowalski", "Haddad", "Larsen", "Dubois", "Rossi", "Nguyen", "Patel", "Schmidt", "Moreau", "Kim"];
const DOMAINS = ["example.com", "acme.io", "globex.net", "initech.co", "umbrella.org", "hooli.com"];
const EVENTS = ["saastr-2026", "websummit-2026", "dmexco-2026", "cebit-2026", "inbound-2026"];
const TEMPLATES = ["intro-v3", "meeting-ask", "thanks-for-visiting", "case-study", "pricing"];
/** followup.sent `data.channel` values, weighted toward email. */
const CHANNELS = ["email", "email", "email", "email", "sms", "sms", "push", "imessage"];
export const PROGRAMS = ["referral", "loyalty", "partner", "student", "launch-week"];
/** Contact details of a scanned card: `{name, email, phone}`. */
export function contact(rng: Rng): Data {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  return {
    name: `${first} ${last}`,
    email: `${first}.${last}${rng.int(1, 999)}@${rng.pick(DOMAINS)}`.toLowerCase(),
    phone: `+1${rng.int(200, 989)}${String(rng.int(0, 9_999_999)).padStart(7, "0")}`,
  };
}

/** The `data` of each step of one lead's chain (all carry `lead_id`). */
export function chainData(rng: Rng, leadId: string, crm: "hubspot" | "salesforce"): Data[] {
  const person = contact(rng);
  return [
    { lead_id: leadId, event: rng.pick(EVENTS), booth: `B${rng.int(1, 240)}`, ocr_confidence: Math.round(rng.int(700, 999)) / 1000 },
    { lead_id: leadId, contact: person, owner: `rep-${rng.int(1, 60)}`, score: rng.int(1, 100) },
    { lead_id: leadId, crm, crm_record_id: crm === "hubspot" ? String(rng.int(10_000_000, 99_999_999)) : `00Q${rng.hex(12).toUpperCase()}` },
    { lead_id: leadId, channel: rng.pick(CHANNELS), template: rng.pick(TEMPLATES) },
  ];
}

/**
 * An order.paid payload valued at the fixed list rate (used for bad lines, which are never
 * revalidated); valid orders come from `OrderPricing` (orders.ts), at the day's rate.
 */
export function orderData(rng: Rng, orderId: string): Data {
  const spec = drawOrder(rng, null, orderId);
  return orderPayload(priceOrder(spec, CURRENCIES.find((c) => c.code === spec.currency)?.list ?? 1));
}

/** A call.completed payload with a positive duration in seconds. */
export function callData(rng: Rng, callId: string): Data {
  return {
    call_id: callId,
    direction: rng.chance(0.7) ? "outbound" : "inbound",
    duration_s: rng.int(5, 1800),
    agent: `rep-${rng.int(1, 60)}`,
  };
}

/** A discount.issued payload for `(userId, program)` with a fresh code. */
export function discountData(rng: Rng, userId: string, program: string): Data {
  return { user_id: userId, program, code: `${program.slice(0, 3).toUpperCase()}-${rng.hex(8).toUpperCase()}`, percent: rng.pick([5, 10, 15, 20, 25]) };
}

/** A copy of `data` with its top-level keys in another order (same canonical JSON). */
export function shuffleKeys(rng: Rng, data: Data): Data {
  const keys = Object.keys(data);
  let order = rng.shuffled(keys);
  for (let tries = 0; tries < 5 && keys.length > 1 && order.every((k, i) => k === keys[i]); tries++) order = rng.shuffled(keys);
  const out: Data = {};
  for (const k of order) out[k] = data[k];
  return out;
}
