/**
 * A stream that runs for days reloads its exchange rates when processing time reaches a new UTC
 * date. Scripted source and clock: one correct EUR order on day 1, one on day 10 (its rate was
 * not in the table loaded on day 1, nor any date within the 7 fallback days), one 11 minutes
 * after that (past the retry delay of a failed reload).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseConfig } from "../../src/config";
import { loadRates } from "../../src/sources/load-rates";
import { RATES_RETRY_MS, runStream, type BatchMessage, type MicroBatchSource, type StreamSummary } from "../../src/streaming/stream-loop";
import { streamOptions } from "../support/stream";

const DAY = 86_400_000;
const DAY1 = Date.parse("2026-11-01T12:00:00Z");
const DAY10 = DAY1 + 9 * DAY;
const EUR_PER_USD = (day: number) => 0.9 + day / 100; // 0.91 on day 1, 1.00 on day 10: a 10 % move

/** Hands out one scripted batch per call and moves the scripted clock to that batch's time. */
class ScriptedDays implements MicroBatchSource<BatchMessage> {
  now = DAY1;
  #batches: Array<{ at: number; lines: string[] }>;
  constructor(batches: Array<{ at: number; lines: string[] }>) {
    this.#batches = batches;
  }
  async next(): Promise<BatchMessage[]> {
    await new Promise((r) => setTimeout(r, 10));
    const b = this.#batches.shift();
    if (b === undefined) return [];
    this.now = b.at;
    return b.lines.map((l, i) => ({ line: Buffer.from(l), meta: { message_id: `${b.at}-${i}`, publish_time: null } }));
  }
  async ack(): Promise<void> {}
  async nack(): Promise<void> {}
  async close(): Promise<void> {}
}

/** A correct order: 100 EUR at that day's rate. */
function order(id: string, at: number, day: number): string {
  const amountUsd = Math.round((100 / EUR_PER_USD(day)) * 100) / 100;
  return JSON.stringify({ event_id: id, source: "store", timestamp: new Date(at - 60_000).toISOString(), event_type: "order.paid", data: { amount: 100, currency: "EUR", amount_usd: amountUsd } });
}

function kinds(out: string): Array<[string | null, string]> {
  return fs
    .readFileSync(path.join(out, "flags.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { kind: string; event_id: string | null })
    .map((f) => [f.event_id, f.kind]);
}

async function streamDays(reload: "yes" | "no" | "fails" | "revised"): Promise<{ out: string; loads: string[]; summary: StreamSummary }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rates-reload-"));
  const ratesFile = path.join(dir, "rates.jsonl");
  const writeRates = (revisedDay1: boolean) => {
    const lines = [];
    for (let d = -40; d <= 12; d++) {
      const date = new Date(DAY1 + (d - 1) * DAY).toISOString().slice(0, 10);
      lines.push(JSON.stringify({ date, base: "USD", rates: { EUR: revisedDay1 && d === 1 ? 1.2 : EUR_PER_USD(d) } }));
    }
    fs.writeFileSync(ratesFile, lines.join("\n") + "\n");
  };
  writeRates(false);
  const config = parseConfig({});
  const loads: string[] = [];
  const source = new ScriptedDays([
    { at: DAY1, lines: [order("day1", DAY1, 1)] },
    { at: DAY10, lines: [order("day10", DAY10, 10)] },
    { at: DAY10 + RATES_RETRY_MS + 60_000, lines: [order("day10b", DAY10 + RATES_RETRY_MS + 60_000, 10)] },
  ]);
  const out = path.join(dir, "out");
  const summary = await runStream(
    streamOptions(source, out, {
      config,
      rates: await loadRates(ratesFile, config, DAY1),
      reloadRates:
        reload === "no"
          ? undefined
          : async (now) => {
              loads.push(new Date(now).toISOString().slice(0, 10));
              if (reload === "fails") throw new Error("rates provider down");
              if (reload === "revised") writeRates(true);
              return loadRates(ratesFile, config, now);
            },
      nowMs: null,
      clock: () => source.now,
    }),
  );
  assert.equal(summary.events, 3);
  assert.equal(summary.conservation.holds, true, summary.conservation.equation);
  return { out, loads, summary };
}

test("stream: rates are reloaded for a new processing date, so a correct order of day 10 is not flagged", { timeout: 120_000 }, async () => {
  const { out, loads, summary } = await streamDays("yes");
  try {
    assert.deepEqual(loads, ["2026-11-10"], "one reload, before the first batch of day 10, none for the later batch of that day");
    assert.deepEqual(kinds(out), [], "both orders match their own day's rate");
    assert.equal(summary.currency_revalidation.on, true);
    assert.ok(summary.unseen_event_types.includes("chains.lead_followup.steps[0]: card.scanned"), "only orders streamed: the default chain's types were never seen");
    assert.ok(summary.currency_revalidation.last_date! >= "2026-11-10", `the summary names the reloaded table's dates: ${JSON.stringify(summary.currency_revalidation)}`);
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
});

test("stream without reloads (the control): the day-10 order finds no rate within 7 days of the day-1 table", { timeout: 120_000 }, async () => {
  const { out, summary } = await streamDays("no");
  try {
    assert.deepEqual(kinds(out), [["day10", "rate_unavailable"], ["day10b", "rate_unavailable"]]);
    assert.ok(summary.currency_revalidation.last_date! < "2026-11-03", `the day-1 table's dates: ${JSON.stringify(summary.currency_revalidation)}`);
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
});

test("stream: a failed reload keeps the table in hand and is retried after RATES_RETRY_MS, not at every batch; the run goes on", { timeout: 120_000 }, async () => {
  const { out, loads } = await streamDays("fails");
  try {
    // Day 10's batch tries and fails; the idle flush (same clock) does not try; the batch 11 min later does.
    assert.deepEqual(loads, ["2026-11-10", "2026-11-10"]);
    assert.deepEqual(kinds(out), [["day10", "rate_unavailable"], ["day10b", "rate_unavailable"]], "judged with the day-1 table, flagged, kept");
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
});

test("stream: an event held across a reload is judged with the table in hand when it is released", { timeout: 120_000 }, async () => {
  // Day 1's order waits in state for the watermark until day 10's batch; the reload before that
  // batch revises day 1's rate from 0.91 to 1.2 EUR per USD, so the order is now 24 % off.
  const { out } = await streamDays("revised");
  try {
    assert.deepEqual(kinds(out), [["day1", "currency_mismatch"]]);
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
});
