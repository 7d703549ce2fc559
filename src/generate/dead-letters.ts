import type { Rng } from "./prng";
import { orderData } from "./payloads";

/** Producer name of every bad line; it never carries a sequence, so gaps are unaffected. */
export const BROKEN_SOURCE = "broken-producer";

const DAY_MS = 86_400_000;

/** The bad-line variants, cycled in this order, with the error code the validator must give. */
export const DEAD_LETTER_VARIANTS = [
  { name: "truncated_json", code: "malformed_json" },
  { name: "wrong_types", code: "schema" },
  { name: "missing_timestamp", code: "timestamp_invalid" },
  { name: "timestamp_without_zone", code: "timestamp_invalid" },
  { name: "future_timestamp", code: "timestamp_future" },
  { name: "stale_timestamp", code: "timestamp_stale" },
  { name: "negative_amount", code: "numeric_invalid" },
  { name: "nan_amount", code: "numeric_invalid" },
] as const;

/**
 * The text of bad line number `variant` (index into DEAD_LETTER_VARIANTS) looking like an
 * order from `broken-producer` at `at`. Future lines are 10 min..2 days after `now`,
 * stale ones 31..60 days before it; both assume processing time within 5 min of `now`.
 */
export function deadLetterLine(rng: Rng, variant: number, at: number, now: number): string {
  const id = rng.uuid();
  const data = orderData(rng, `ord-x${rng.hex(10)}`);
  const base = (timestamp: unknown, d: unknown = data): Record<string, unknown> => ({
    event_id: id,
    source: BROKEN_SOURCE,
    timestamp,
    event_type: "order.paid",
    data: d,
  });
  const iso = new Date(at).toISOString();
  switch (DEAD_LETTER_VARIANTS[variant].name) {
    case "truncated_json": {
      const full = JSON.stringify(base(iso));
      return full.slice(0, rng.int(10, full.length - 2));
    }
    case "wrong_types":
      return JSON.stringify({ ...base(iso), event_type: 404, data: "order paid" });
    case "missing_timestamp": {
      const obj = base(iso);
      delete obj.timestamp;
      return JSON.stringify(obj);
    }
    case "timestamp_without_zone":
      return JSON.stringify(base(iso.slice(0, -1)));
    case "future_timestamp":
      return JSON.stringify(base(new Date(now + rng.int(600_000, 2 * DAY_MS)).toISOString()));
    case "stale_timestamp":
      return JSON.stringify(base(new Date(now - rng.int(31 * DAY_MS, 60 * DAY_MS)).toISOString()));
    case "negative_amount":
      return JSON.stringify(base(iso, { ...data, amount: -Math.abs(Number(data.amount)) }));
    case "nan_amount":
      return JSON.stringify(base(iso, { ...data, amount: "NaN" }));
  }
}
