/**
 * All correction rules on one event, in order: field swap -> arithmetic -> currency (on the
 * corrected amount) -> call checks; `rates` null leaves currency revalidation out (no rates
 * given). Pure: no clock, no network; the input is never mutated.
 * Replaying the output (data and corrections) changes nothing: corrections already carried are
 * not made again.
 *
 * An `order.paid` with items summing to 54.97, amount 59.97 AUD and amount_usd 39.98 at 1.5 AUD/USD
 * -> amount 54.97 (arithmetic), then amount_usd 36.65 (currency): two corrections, two flags.
 */
import type { Finding } from "../flag";
import { checkArithmetic } from "./arithmetic";
import { checkCall } from "./call-checks";
import type { CorrectionConfig } from "./config";
import { unchanged, type Correction, type CorrectionEvent, type RuleResult } from "./correction";
import { revalidateCurrency } from "./currency";
import { fixFieldSwap } from "./field-swap";
import type { RateTable } from "./rate-table";

export interface CorrectEventResult {
  /** The corrected copy of data (the input object itself when nothing changed). */
  readonly data: Record<string, unknown>;
  /** The event's full corrections list: well-formed incoming entries, then this run's. */
  readonly corrections: Correction[];
  /** This run's findings. */
  readonly findings: Finding[];
}

/** The rules in the order they run (one table, no closures per event); currency needs rates. */
const RULES: ReadonlyArray<(e: CorrectionEvent, rates: RateTable | null, config: CorrectionConfig) => RuleResult | null> = [
  (e, _rates, config) => fixFieldSwap(e, config),
  (e, _rates, config) => checkArithmetic(e, config),
  (e, rates, config) => (rates === null ? null : revalidateCurrency(e, rates, config)),
  (e, _rates, config) => checkCall(e, config),
];

export function correctEvent(event: CorrectionEvent, rates: RateTable | null, config: CorrectionConfig): CorrectEventResult {
  const findings: Finding[] = [];
  let state: RuleResult = unchanged(event);
  for (const rule of RULES) {
    const next = rule({ ...event, data: state.data, corrections: state.corrections }, rates, config);
    if (next === null) continue;
    state = next;
    for (const f of next.findings) findings.push(f);
  }
  return { data: state.data, corrections: state.corrections, findings };
}

/**
 * True when `result` (of `correctEvent` on `event`) rewrites the event: its data was corrected
 * or its corrections list is not the one it carried. Otherwise the event is written as received.
 */
export function rewritesEvent(event: CorrectionEvent, result: CorrectEventResult): boolean {
  if (result.data !== event.data) return true;
  return result.corrections.length > 0 && JSON.stringify(result.corrections) !== JSON.stringify(event.corrections ?? []);
}
