/**
 * `needsCorrection` (validation's exact "correctable" bit when the rates are known) against the
 * correction stage itself: a table of hand-written cases, then every valid event of a generated
 * file, where the bit must be true exactly when `correctKeptEvent` rewrites or flags the event.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { mayNeedCorrection, needsCorrection } from "../../src/corrections/candidate";
import { keyPaths, parseConfig } from "../../src/config";
import { generate } from "../../src/generate";
import { loadRates } from "../../src/sources/load-rates";
import { readFileLines } from "../../src/sources/jsonl-file";
import { correctKeptEvent } from "../../src/transforms/correct-events";
import { validateLine } from "../../src/validate";
import { config, event, RATES } from "./fixtures";

const good = { currency: "AUD", amount: 54.97, amount_usd: 36.65, items: [{ unit_price: 19.99, quantity: 3, discount: 5 }] };

test("needsCorrection: true exactly when a rule would rewrite or flag the event", () => {
  const cases: Array<[string, Record<string, unknown>, Partial<Parameters<typeof event>[1]>, boolean, boolean]> = [
    // name, data, event fields, with rates, without rates (currency off)
    ["a correct AUD order", good, {}, false, false],
    ["amount_usd off by 10 %", { ...good, amount_usd: 40.32 }, {}, true, false],
    ["items do not add up", { ...good, amount: 59.97 }, {}, true, true],
    ["a date with no rate within 7 days", good, { timestamp: "2024-02-20T12:00:00Z" }, true, false],
    ["an unknown currency", { ...good, currency: "XXZ" }, {}, true, false],
    ["email in phone, phone in email", { contact: { phone: "ann@example.com", email: "+61 2 9999 0000" } }, { event_type: "lead.created" }, true, true],
    ["a phone-like email stays", { contact: { phone: "+61 2 9999 0000", email: "61299990000@sms.example.com" } }, { event_type: "lead.created" }, false, false],
    ["a call of 0 s", { duration_s: 0 }, { event_type: "call.completed" }, true, true],
    ["a call of 1 s", { duration_s: 1 }, { event_type: "call.completed" }, false, false],
    ["a call carrying a junk corrections list (ignored, so written as received)", { duration_s: 30 }, { event_type: "call.completed", corrections: ["junk"] }, false, false],
    ["an event no rule reads", { anything: 1 }, { event_type: "card.scanned" }, false, false],
  ];
  for (const [name, data, over, withRates, withoutRates] of cases) {
    const e = event(data, over);
    assert.equal(needsCorrection(e, RATES, config()), withRates, `${name}, with rates`);
    assert.equal(needsCorrection(e, null, config()), withoutRates, `${name}, without rates`);
    if (withRates || withoutRates) assert.ok(mayNeedCorrection(e.data, e.event_type, config(), e.corrections !== undefined), `${name}: the prefilter lets it through`);
  }
});

const dir = mkdtempSync(join(tmpdir(), "candidate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("on generated traffic, validation's exact bit agrees with the correction stage on every valid event", async () => {
  const now = new Date("2026-03-15T12:00:00.000Z");
  const g = generate({ events: 20_000, seed: 77, now, out: join(dir, "events.jsonl") });
  const cfg = parseConfig({});
  const rates = await loadRates(g.rates, cfg, now.getTime());
  for (const table of [rates, null]) {
    const exact = { config: cfg, nowMs: now.getTime(), keyPaths: keyPaths(cfg), rates: table };
    const prefilter = { config: cfg, nowMs: now.getTime(), keyPaths: keyPaths(cfg) };
    let marked = 0;
    let acted = 0;
    for (const { line, bytes } of readFileLines(g.out)) {
      const v = validateLine(bytes, line, exact);
      if (v.kind !== "event") continue;
      const loose = validateLine(bytes, line, prefilter);
      assert.ok(loose.kind === "event");
      // The correction stage on the conservative bit is the reference.
      const out = correctKeptEvent(loose.event, table, cfg);
      const acts = out.findings.length > 0 || out.event.raw !== loose.event.raw;
      assert.equal(v.event.correctable, acts, `line ${line} (${v.event.event_type}), rates ${table === null ? "off" : "on"}`);
      if (v.event.correctable) marked += 1;
      if (acts) acted += 1;
      // And the stage gives the same output from either bit.
      assert.deepEqual(correctKeptEvent(v.event, table, cfg).findings, out.findings);
    }
    assert.equal(marked, acted);
    assert.ok(acted >= 20, `the file exercises the rules (${acted} events acted on)`);
  }
});
