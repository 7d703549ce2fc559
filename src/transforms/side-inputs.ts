/**
 * The values of the stages' side inputs, checked: a library user builds the watermark and rates
 * PCollections by hand, and without these checks a wrong one surfaced as Beam's "Expected a
 * single element, got 0", a NaN clock that never released an event, or a TypeError deep in a
 * core. Each error names the transform and the input.
 *
 * `clockInput({ lookup: () => ({ ms: 0, final: true }) }, "recoverPerSource")` -> `{ ms: 0, final: true }`;
 * with `ms: "2026-11-25T12:00:00Z"` it throws "recoverPerSource: the watermark side input holds ...".
 */
import type { RateTable } from "../corrections/rate-table";
import type { StageClock } from "./beam-stages";

interface Lookup {
  lookup(): unknown;
}

function valueOf(param: Lookup, transform: string, input: string, shape: string): unknown {
  try {
    return param.lookup();
  } catch (err) {
    throw new Error(`${transform}: the ${input} side input must be a singleton PCollection of ${shape} (${err instanceof Error ? err.message : String(err)})`);
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

/** The watermark: `{ms, final}` with `ms` a number (epoch ms; NO_WATERMARK before any event). */
export function clockInput(param: Lookup, transform: string): StageClock {
  const shape = "{ms: epoch ms as a number, final: boolean}";
  const v = valueOf(param, transform, "watermark", shape);
  const clock = v as { ms?: unknown; final?: unknown } | null;
  if (typeof clock !== "object" || clock === null || typeof clock.ms !== "number" || Number.isNaN(clock.ms) || typeof clock.final !== "boolean") {
    throw new Error(`${transform}: the watermark side input holds ${describe(v)}, not ${shape}`);
  }
  return v as StageClock;
}

/** The rates: `{table}`, a rate table (`loadRates`) or null for no currency revalidation. */
export function ratesInput(param: Lookup, transform: string): RateTable | null {
  const shape = "{table: a rate table from loadRates, or null}";
  const v = valueOf(param, transform, "rates", shape);
  const wrapped = v as { table?: unknown } | null;
  if (typeof wrapped !== "object" || wrapped === null || !("table" in wrapped) || (wrapped.table !== null && typeof wrapped.table !== "object")) {
    throw new Error(`${transform}: the rates side input holds ${describe(v)}, not ${shape}`);
  }
  return wrapped.table as RateTable | null;
}
