/**
 * The independent reference implementation of the detector semantics (test/support/oracle.ts),
 * run over generated files: its flags must match the truth exactly (precision = recall = 1
 * for every kind, every dead letter, no look-alike flagged). This checks the truth, not
 * the real detectors.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { generate, scoreRun } from "../../src/generate";
import { forEachLine } from "../../src/generate/lines";
import { referenceRecover } from "../support/oracle";
import { correct, loadRates } from "./correction-oracle";

for (const [events, seed] of [
  [20_000, 7],
  [50_000, 123],
  [3_000, 99],
] as const) {
  test(`reference detectors match the truth exactly (${events} events, seed ${seed})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "gen-oracle-"));
    try {
      const now = new Date("2026-03-15T12:00:00.000Z");
      const out = join(dir, "events.jsonl");
      const summary = generate({ events, seed, now, out });
      const lines: string[] = [];
      forEachLine(out, (text) => lines.push(text));
      const { flags, dead, kept } = referenceRecover(lines, now.getTime());
      // The correction rules run on the kept events (src/corrections, rates from the generated snapshot).
      const asEvents = kept.map((e) => ({ event_id: e.id, source: e.source, event_type: e.type, timestamp: new Date(e.time).toISOString(), data: e.data }));
      const rates = await loadRates(summary.rates, asEvents);
      for (const e of asEvents) for (const f of correct(e, rates).findings) flags.push({ kind: f.kind, event_id: f.event_id ?? undefined });
      writeFileSync(join(dir, "flags.jsonl"), flags.map((f) => JSON.stringify(f) + "\n").join(""));
      writeFileSync(join(dir, "dead.jsonl"), dead.map((f) => JSON.stringify(f) + "\n").join(""));
      const score = scoreRun(join(dir, "flags.jsonl"), summary.truth, out, join(dir, "dead.jsonl"));
      for (const [kind, s] of Object.entries(score.kinds)) {
        assert.equal(s.fp + s.fn, 0, `${kind}: ${JSON.stringify(s)}`);
      }
      assert.equal(score.lookalikes_flagged, 0, JSON.stringify(score.lookalike_examples));
      assert.equal(score.lookalikes_missing_from_events, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
