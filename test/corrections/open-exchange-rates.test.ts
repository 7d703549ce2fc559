import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { OpenExchangeRates, OxrError } from "../../src/corrections/rates/open-exchange-rates";
import { backoffDelay, retryAfterMs } from "../../src/corrections/rates/backoff";
import { startFakeOxr, type Behaviour, type FakeOxr } from "./fake-open-exchange-rates";

const APP_ID = "s3cr3t-app-id-0123456789";
const ok = (EUR: number): Behaviour => ({ kind: "ok", rates: { EUR, AUD: 1.5 } });

const script = new Map<string, Behaviour[]>([
  ["/api/historical/2024-03-04.json", [{ kind: "status", status: 429, message: "too_many_requests", retryAfter: "0" }, ok(0.91)]],
  ["/api/historical/2024-03-05.json", [{ kind: "status", status: 503, message: "service_unavailable" }, ok(0.92)]],
  ["/api/historical/2024-03-06.json", [{ kind: "hang" }, ok(0.93)]],
  ["/api/historical/2024-03-07.json", [{ kind: "status", status: 400, message: "not_available" }]],
  ["/api/historical/2024-03-08.json", [ok(0.94)]],
  ["/api/historical/2024-03-09.json", [{ kind: "status", status: 404, message: "not_available" }]],
  ["/api/historical/2024-03-10.json", [{ kind: "status", status: 500, message: "internal_error" }]],
  ["/api/historical/2024-03-11.json", [{ kind: "hang" }]],
  ["/api/historical/2024-03-12.json", [{ kind: "status", status: 403, message: "access_restricted" }]],
  ["/api/latest.json", [{ kind: "ok", rates: { EUR: 0.95 }, timestamp: 1_710_000_000 }]],
]);

describe("fake-open-exchange-rates", () => {
  let fake: FakeOxr;
  const savedEnv = process.env.OXR_APP_ID;
  const provider = (over: Record<string, number> = {}): OpenExchangeRates =>
    new OpenExchangeRates({ baseUrl: fake.baseUrl, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 150, maxAttempts: 3, ...over });

  before(async () => {
    process.env.OXR_APP_ID = APP_ID;
    fake = await startFakeOxr(APP_ID, script);
  });
  after(async () => {
    if (savedEnv === undefined) delete process.env.OXR_APP_ID;
    else process.env.OXR_APP_ID = savedEnv;
    await fake.close();
  });

  test("429, 5xx and a timeout are retried; missing days are absent; the app id comes from OXR_APP_ID", async () => {
    const oxr = provider();
    const table = await oxr.ratesFor(["2024-03-08", "2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-09", "2024-03-08", "junk"]);
    assert.deepEqual(table, {
      "2024-03-04": { EUR: 0.91, AUD: 1.5, USD: 1 },
      "2024-03-05": { EUR: 0.92, AUD: 1.5, USD: 1 },
      "2024-03-06": { EUR: 0.93, AUD: 1.5, USD: 1 },
      "2024-03-08": { EUR: 0.94, AUD: 1.5, USD: 1 },
    });
    assert.equal(fake.hits.get("/api/historical/2024-03-04.json"), 2);
    assert.equal(fake.hits.get("/api/historical/2024-03-05.json"), 2);
    assert.equal(fake.hits.get("/api/historical/2024-03-06.json"), 2);
    assert.equal(fake.hits.get("/api/historical/2024-03-07.json"), 1);
    assert.equal(fake.hits.get("/api/historical/2024-03-08.json"), 1);
    assert.ok(fake.appIds.every((id) => id === APP_ID));
    assert.equal(JSON.stringify(table).includes(APP_ID), false);

    // Cached per day: asking again does not hit the API.
    const again = await oxr.ratesFor(["2024-03-08", "2024-03-04"]);
    assert.deepEqual(Object.keys(again), ["2024-03-04", "2024-03-08"]);
    assert.equal(fake.hits.get("/api/historical/2024-03-08.json"), 1);
    assert.equal(fake.hits.get("/api/historical/2024-03-04.json"), 2);
  });

  const failures: Array<[string, string, RegExp, number]> = [
    ["5xx on every attempt", "2024-03-10", /HTTP 500 after 3 attempts/, 3],
    ["timeout on every attempt", "2024-03-11", /timeout after 3 attempts/, 3],
    ["403 is not retried", "2024-03-12", /HTTP 403 access_restricted/, 1],
  ];
  for (const [name, date, pattern, hits] of failures) {
    test(`bounded attempts: ${name}; the error never carries the app id`, async () => {
      const error: unknown = await provider().ratesFor([date]).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(error instanceof OxrError);
      assert.match(error.message, pattern);
      assert.equal(fake.hits.get(`/api/historical/${date}.json`), hits);
      const everything = JSON.stringify({ message: error.message, stack: error.stack, own: { ...error }, cause: error.cause ?? null });
      assert.equal(everything.includes(APP_ID), false);
    });
  }

  test("a failed day is not cached: the next call asks again", async () => {
    const oxr = provider({ maxAttempts: 1 });
    await assert.rejects(oxr.ratesFor(["2024-03-10"]));
    const before = fake.hits.get("/api/historical/2024-03-10.json") ?? 0;
    await assert.rejects(oxr.ratesFor(["2024-03-10"]));
    assert.equal(fake.hits.get("/api/historical/2024-03-10.json"), before + 1);
  });

  test("a wrong app id is a 401 error without the id", async () => {
    const oxr = new OpenExchangeRates({ baseUrl: fake.baseUrl, appId: "wrong-id-987654", maxAttempts: 3 });
    const error: unknown = await oxr.ratesFor(["2024-03-08"]).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof OxrError);
    assert.equal(error.status, 401);
    assert.match(error.message, /HTTP 401 invalid_app_id/);
    assert.equal(error.message.includes("wrong-id-987654"), false);
  });

  test("no app id: rejects before any request", async () => {
    delete process.env.OXR_APP_ID;
    try {
      const count = fake.appIds.length;
      await assert.rejects(provider().ratesFor(["2024-03-08"]), /OXR_APP_ID is not set/);
      assert.equal(fake.appIds.length, count);
    } finally {
      process.env.OXR_APP_ID = APP_ID;
    }
  });

  test("latest.json: rates and the date of their timestamp, cached per day", async () => {
    const clock = { now: 1_710_000_000_000 };
    const withClock = new OpenExchangeRates({ baseUrl: fake.baseUrl, backoffMs: 5, now: () => clock.now });
    const first = await withClock.latest();
    assert.deepEqual(first, { date: "2024-03-09", rates: { EUR: 0.95, USD: 1 } });
    await withClock.latest();
    assert.equal(fake.hits.get("/api/latest.json"), 1);
    clock.now += 86_400_000;
    await withClock.latest();
    assert.equal(fake.hits.get("/api/latest.json"), 2);
  });
});

test("backoff", () => {
  assert.deepEqual([1, 2, 3, 4, 10].map((r) => backoffDelay(r, 250, 8000)), [250, 500, 1000, 2000, 8000]);
  assert.equal(backoffDelay(1, 250, 8000, 2000), 2000);
  assert.equal(backoffDelay(1, 250, 8000, 60_000), 8000);
  assert.equal(retryAfterMs("2"), 2000);
  assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT"), null);
  assert.equal(retryAfterMs(undefined), null);
});
