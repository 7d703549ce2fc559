/** Shared fixtures for the correction tests: an event builder, a rate table and the default config. */
import { CorrectionConfig, type CorrectionConfigInput } from "../../src/corrections/config";
import type { CorrectionEvent } from "../../src/corrections/correction";
import type { RateTable } from "../../src/corrections/rate-table";

/** Friday 2024-03-08 and the week before it; nothing on the weekend of 9-10 March. */
export const RATES: RateTable = {
  "2024-03-01": { AUD: 1.52, EUR: 0.93, JPY: 149.5, BHD: 0.376, GBP: 0.79, BTC: 0.000016 },
  "2024-03-08": { AUD: 1.5, EUR: 0.92, JPY: 150, BHD: 0.377, GBP: 0.78, KWD: 0.307 },
};

export function config(input: CorrectionConfigInput = {}): CorrectionConfig {
  return CorrectionConfig.parse(input);
}

export function event(data: Record<string, unknown>, over: Partial<CorrectionEvent> = {}): CorrectionEvent {
  return {
    event_id: "evt-1",
    event_type: "order.paid",
    timestamp: "2024-03-08T12:00:00Z",
    source: "web",
    data,
    ...over,
  };
}

/** Deep-freezes a JSON value so a mutation of the input throws in strict mode. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const key of Reflect.ownKeys(value)) deepFreeze(Reflect.get(value, key));
    Object.freeze(value);
  }
  return value;
}
