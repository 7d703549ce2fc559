/**
 * `ratesLoader`: successive loads for a stream's new processing dates. Against the loopback
 * fake of Open Exchange Rates (fake-open-exchange-rates.ts), a second load fetches only the new
 * date and the one that was "today" at the first load; snapshot directories are read again.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig } from "../../src/config";
import { OpenExchangeRates } from "../../src/corrections/rates/open-exchange-rates";
import { ratesLoader } from "../../src/sources/load-rates";
import { startFakeOxr, type Behaviour, type FakeOxr } from "./fake-open-exchange-rates";

const APP_ID = "loader-app-id-0123456789";
const DAY = 86_400_000;
const config = parseConfig({});

let fake: FakeOxr;
const savedEnv = process.env.OXR_APP_ID;

before(async () => {
  process.env.OXR_APP_ID = APP_ID;
  const script = new Map<string, Behaviour[]>();
  for (let t = Date.parse("2024-01-01T00:00:00Z"); t <= Date.parse("2024-03-31T00:00:00Z"); t += DAY) {
    script.set(`/api/historical/${new Date(t).toISOString().slice(0, 10)}.json`, [{ kind: "ok", rates: { EUR: 0.92 } }]);
  }
  fake = await startFakeOxr(APP_ID, script);
});

after(async () => {
  if (savedEnv === undefined) delete process.env.OXR_APP_ID;
  else process.env.OXR_APP_ID = savedEnv;
  await fake.close();
});

const total = (): number => [...fake.hits.values()].reduce((a, b) => a + b, 0);

test("oxr: the first load fetches the whole window once; the next day's load only the new date and the former today", async () => {
  const load = ratesLoader("oxr", config, new OpenExchangeRates({ baseUrl: fake.baseUrl, backoffMs: 5, timeoutMs: 500 }));
  const first = await load(Date.parse("2024-03-08T12:00:00Z"));
  const window = Object.keys(first).length;
  assert.equal(window, 38, "30 days of max_age, 7 fallback days, the date itself");
  assert.equal(total(), window, "each date once");
  assert.ok(!("2024-03-09" in first));

  fake.hits.clear();
  const second = await load(Date.parse("2024-03-09T12:00:00Z"));
  assert.deepEqual([...fake.hits.keys()].sort(), ["/api/historical/2024-03-08.json", "/api/historical/2024-03-09.json"]);
  assert.equal(second["2024-03-09"].EUR, 0.92);
  assert.equal(Object.keys(second).length, 38);

  fake.hits.clear();
  await load(Date.parse("2024-03-09T18:00:00Z"));
  assert.deepEqual([...fake.hits.keys()], ["/api/historical/2024-03-09.json"], "the same date again: only today, still changing");
});

test("snapshots: every load reads the directory again, so a snapshot added meanwhile is seen", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rates-loader-"));
  try {
    const write = (date: string, EUR: number) => fs.writeFileSync(path.join(dir, `${date}.json`), JSON.stringify({ base: "USD", rates: { EUR } }));
    write("2024-03-08", 0.92);
    const load = ratesLoader(dir, config);
    const first = await load(Date.parse("2024-03-08T12:00:00Z"));
    assert.deepEqual(Object.keys(first), ["2024-03-08"]);
    write("2024-03-09", 0.93);
    const second = await load(Date.parse("2024-03-09T12:00:00Z"));
    assert.deepEqual(Object.keys(second).sort(), ["2024-03-08", "2024-03-09"]);
    assert.equal(second["2024-03-09"].EUR, 0.93);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a path that does not exist rejects with the flag's name", async () => {
  await assert.rejects(ratesLoader("/nonexistent/rates", config)(Date.now()), /--rates: \/nonexistent\/rates does not exist/);
});
