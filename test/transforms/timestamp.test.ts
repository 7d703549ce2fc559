/** parseEventTime against Date.parse over a table of valid and invalid RFC 3339 timestamps, years 0-99 included. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventTimeProblem, parseEventTime } from "../../src/timestamp";

const VALID = [
  "2026-11-25T12:00:00.000Z", // the fast path
  "2026-11-25T12:00:00Z",
  "2026-11-25t12:00:00.5z",
  "2026-11-25T13:00:00.123+01:00",
  "2024-02-29T00:00:00.000Z",
  "0001-01-01T00:00:00.000Z", // years 0-99: Date.UTC alone would map them to 1900-1999
  "0050-06-15T12:00:00Z",
  "0099-12-31T23:59:59.999Z",
  "0004-02-29T00:00:00+01:00",
];
const INVALID = ["2026-02-29T00:00:00.000Z", "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25 12:00:00Z", "2026-11-25T12:00:00", "yesterday"];

test("parseEventTime: equals Date.parse on valid timestamps, null on invalid ones", () => {
  for (const t of VALID) assert.equal(parseEventTime(t), Date.parse(t), t);
  for (const t of INVALID) assert.equal(parseEventTime(t), null, t);
});

test("eventTimeProblem: wrong shape, impossible calendar date, impossible time or zone offset", () => {
  const cases: Array<[string, string]> = [
    ["2026-11-25T12:00:00", "expected ISO-8601 with a zone"],
    ["2026-11-25 12:00:00Z", "expected ISO-8601 with a zone"],
    ["yesterday", "expected ISO-8601 with a zone"],
    ["2026-02-30T10:00:00Z", "not a calendar date"],
    ["2026-02-29T00:00:00.000Z", "not a calendar date"], // the fast path's shape
    ["2026-13-01T00:00:00Z", "not a calendar date"],
    ["2026-11-00T00:00:00+01:00", "not a calendar date"],
    ["2026-11-25T24:00:00Z", "time of day or zone offset out of range"],
    ["2026-11-25T12:60:00Z", "time of day or zone offset out of range"],
    ["2026-11-25T12:00:00+24:00", "time of day or zone offset out of range"],
  ];
  for (const [t, problem] of cases) {
    assert.equal(parseEventTime(t), null, t);
    assert.equal(eventTimeProblem(t), problem, t);
  }
});
