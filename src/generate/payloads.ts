import type { Rng } from "./prng";

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
const SKUS: ReadonlyArray<readonly [string, number]> = [
  ["SCAN-PRO-MO", 4900],
  ["SCAN-TEAM-MO", 14900],
  ["CARD-PACK-100", 1900],
  ["CRM-SYNC-ADDON", 2900],
  ["AI-FOLLOWUP-1K", 9900],
  ["BADGE-PRINTER", 24900],
];
/** Units of currency per 1 USD (fixed; the generator is not a rate source). */
const RATES: ReadonlyArray<readonly [string, number]> = [
  ["USD", 1],
  ["USD", 1],
  ["EUR", 0.92],
  ["GBP", 0.79],
  ["CAD", 1.36],
];

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
 * An order.paid payload: items with unit_price and quantity; `amount` is their sum in
 * `currency`, `amount_usd` its USD value at the fixed rate (both rounded to cents).
 */
export function orderData(rng: Rng, orderId: string): Data {
  const [currency, rate] = rng.pick(RATES);
  const count = rng.int(1, 3);
  const items: Data[] = [];
  let cents = 0;
  for (let i = 0; i < count; i++) {
    const [sku, usdCents] = rng.pick(SKUS);
    const unitCents = Math.round(usdCents * rate);
    const quantity = rng.int(1, 4);
    cents += unitCents * quantity;
    items.push({ sku, unit_price: unitCents / 100, quantity });
  }
  return {
    order_id: orderId,
    amount: cents / 100,
    currency,
    amount_usd: Math.round(cents / rate) / 100,
    items,
  };
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
