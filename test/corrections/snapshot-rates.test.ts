import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { correctEvent } from "../../src/corrections/correct-event";
import { datesWithFallback } from "../../src/corrections/rate-table";
import { SnapshotRates } from "../../src/corrections/rates/snapshot-rates";
import { config, event } from "./fixtures";

describe("SnapshotRates", () => {
  const dirs = { root: "" };
  const file = (name: string): string => path.join(dirs.root, name);

  before(async () => {
    dirs.root = await mkdtemp(path.join(tmpdir(), "snapshot-rates-"));
    const daily = file("daily");
    const bad = file("bad");
    await import("node:fs/promises").then((fs) => Promise.all([fs.mkdir(daily), fs.mkdir(bad)]));
    await writeFile(path.join(daily, "2024-03-08.json"), JSON.stringify({ base: "USD", timestamp: 1_709_942_400, rates: { EUR: 0.92, AUD: 1.5 } }));
    await writeFile(path.join(daily, "2024-03-07.json"), JSON.stringify({ base: "EUR", timestamp: 1_709_856_000, rates: { USD: 1.25, AUD: 2 } }));
    await writeFile(path.join(daily, "2024-03-06.json"), '{"base":"USD","rates":{"__proto__":2,"EUR":0.9}}');
    await writeFile(path.join(daily, "2024-03-05.json"), JSON.stringify({ base: "EUR", rates: { USD: 1.25, GBP: 0.85 } }));
    await writeFile(path.join(bad, "2024-03-07.json"), "{not json");
    await writeFile(path.join(bad, "2024-03-06.json"), JSON.stringify({ base: "EUR", rates: { GBP: 0.85 } }));
    await writeFile(path.join(bad, "2024-03-08.json"), JSON.stringify({ base: "USD", rates: { EUR: "x" } }));
    await writeFile(
      file("rates.jsonl"),
      [
        JSON.stringify({ date: "2024-03-07", base: "USD", timestamp: 1_709_856_000, rates: { EUR: 0.91 } }),
        "",
        JSON.stringify({ date: "2024-03-08", base: "USD", timestamp: 1_709_942_400, rates: { EUR: 0.5 } }),
        JSON.stringify({ date: "2024-03-08", base: "USD", timestamp: 1_709_950_000, rates: { EUR: 0.92, AUD: 1.5 } }),
      ].join("\n") + "\n",
    );
    await writeFile(file("bad.jsonl"), '{"date":"2024-03-08","base":"USD","rates":{}}\n{nope\n');
  });
  after(async () => {
    await rm(dirs.root, { recursive: true, force: true });
  });

  test("directory of YYYY-MM-DD.json: USD base, rebased EUR base, missing days absent", async () => {
    const table = await new SnapshotRates({ dir: file("daily") }).ratesFor(["2024-03-08", "2024-03-07", "2024-03-09", "not-a-date"]);
    assert.deepEqual(Object.keys(table), ["2024-03-07", "2024-03-08"]);
    assert.deepEqual(table["2024-03-08"], { EUR: 0.92, AUD: 1.5, USD: 1 });
    assert.deepEqual(table["2024-03-07"], { USD: 1, AUD: 1.6, EUR: 0.8 });
    const rebased = await new SnapshotRates({ dir: file("daily") }).ratesFor(["2024-03-05"]);
    assert.deepEqual(rebased["2024-03-05"], { USD: 1, GBP: 0.68, EUR: 0.8 });
  });

  test("a __proto__ currency in a snapshot is dropped and reaches no prototype", async () => {
    const table = await new SnapshotRates({ dir: file("daily") }).ratesFor(["2024-03-06"]);
    const day = table["2024-03-06"];
    assert.equal(Object.getPrototypeOf(day), Object.prototype);
    assert.equal(Object.hasOwn(day, "__proto__"), false);
    assert.equal(({} as Record<string, unknown>).EUR, undefined);
    assert.equal(day.EUR, 0.9);
  });

  test("JSON-lines file with a date field; a later line for the same date wins", async () => {
    const provider = new SnapshotRates({ jsonl: file("rates.jsonl") });
    const table = await provider.ratesFor(["2024-03-08", "2024-03-07", "2024-03-01"]);
    assert.deepEqual(table, { "2024-03-07": { EUR: 0.91, USD: 1 }, "2024-03-08": { EUR: 0.92, AUD: 1.5, USD: 1 } });
  });

  test("malformed snapshots reject, naming the file (and line)", async () => {
    await assert.rejects(new SnapshotRates({ dir: file("bad") }).ratesFor(["2024-03-08"]), /2024-03-08\.json: not an Open Exchange Rates snapshot/);
    await assert.rejects(new SnapshotRates({ dir: file("bad") }).ratesFor(["2024-03-07"]), /2024-03-07\.json: malformed JSON/);
    await assert.rejects(new SnapshotRates({ dir: file("bad") }).ratesFor(["2024-03-06"]), /2024-03-06\.json: not an Open Exchange Rates snapshot with a USD rate/);
    const lines = new SnapshotRates({ jsonl: file("bad.jsonl") });
    await assert.rejects(lines.ratesFor(["2024-03-08"]), /bad\.jsonl:2: malformed JSON/);
    await assert.rejects(lines.ratesFor(["2024-03-08"]), /bad\.jsonl:2: malformed JSON/);
    await assert.rejects(new SnapshotRates({ jsonl: file("missing.jsonl") }).ratesFor(["2024-03-08"]), /ENOENT/);
  });

  test("end to end: snapshot table -> correctEvent with a weekend fallback", async () => {
    const ev = event({ amount: 60.24, currency: "AUD", amount_usd: 60.24 }, { timestamp: "2024-03-10T10:00:00Z" });
    const rates = await new SnapshotRates({ dir: file("daily") }).ratesFor(datesWithFallback(["2024-03-10"]));
    const out = correctEvent(ev, rates, config());
    assert.equal(out.data.amount_usd, 40.16);
    assert.equal(out.findings[0].detail.rate_date, "2024-03-08");
  });
});
