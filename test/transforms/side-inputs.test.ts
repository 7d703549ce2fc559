import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig, requireParsedConfig } from "../../src/config";
import { clockInput, ratesInput } from "../../src/transforms/side-inputs";
import { recoverPerSource, correctEvents } from "../../src/transforms/beam";
import { NO_WATERMARK } from "../../src/sources/read-validated";

const lookup = (value: unknown) => ({ lookup: () => value });
const failing = (message: string) => ({
  lookup: () => {
    throw new Error(message);
  },
});

test("clockInput: a clock passes; anything else is an error naming the transform and the input", () => {
  assert.deepEqual(clockInput(lookup({ ms: 5, final: true }), "t"), { ms: 5, final: true });
  assert.deepEqual(clockInput(lookup({ ms: NO_WATERMARK, final: false }), "t"), { ms: NO_WATERMARK, final: false });
  const bad: Array<[unknown, RegExp]> = [
    [{ ms: "2026-11-25T12:00:00Z", final: true }, /^Error: recoverPerSource: the watermark side input holds \{"ms":"2026-11-25T12:00:00Z","final":true\}, not \{ms: epoch ms/],
    [{ ms: Number.NaN, final: true }, /watermark side input holds/],
    [{ ms: 5 }, /watermark side input holds/],
    [5, /watermark side input holds 5,/],
    [null, /watermark side input holds null/],
  ];
  for (const [value, message] of bad) assert.throws(() => clockInput(lookup(value), "recoverPerSource"), message);
  assert.throws(() => clockInput(failing("Expected a single element, got 0"), "detectAnomalies"), /^Error: detectAnomalies: the watermark side input must be a singleton PCollection of .* \(Expected a single element, got 0\)$/);
});

test("ratesInput: {table} passes; a bare table or nothing is an error", () => {
  const table = { "2024-03-01": { EUR: 0.93 } };
  assert.equal(ratesInput(lookup({ table }), "t"), table);
  assert.equal(ratesInput(lookup({ table: null }), "t"), null);
  assert.throws(() => ratesInput(lookup(table), "correctEvents"), /^Error: correctEvents: the rates side input holds .*, not \{table: a rate table/);
  assert.throws(() => ratesInput(lookup({ table: "x" }), "correctEvents"), /rates side input holds/);
  assert.throws(() => ratesInput(failing("Expected a single element, got 2"), "correctEvents"), /rates side input must be a singleton PCollection .*got 2/);
});

test("requireParsedConfig: a raw object is refused by name, a parsed one (also through JSON) passes", () => {
  const parsed = parseConfig({});
  requireParsedConfig(parsed, "t");
  requireParsedConfig(JSON.parse(JSON.stringify(parsed)), "t");
  assert.throws(() => requireParsedConfig({ dedup_horizon_ms: 1000 }, "recoverPerSource"), /^ConfigError: recoverPerSource: the config is not one parseConfig returned \(missing envelope, validation, .*\): pass parseConfig\(yourConfig\)$/);
  assert.throws(() => requireParsedConfig(undefined, "t"), /missing \(all\)/);
  // The transforms check it when they are built, before any element flows.
  const stage = { config: {} as never, watermark: null as never, stateId: "s", runId: "s" };
  assert.throws(() => recoverPerSource(stage), /recoverPerSource: the config is not one parseConfig returned/);
  assert.throws(() => correctEvents({} as never, null as never), /correctEvents: the config is not one parseConfig returned/);
});
