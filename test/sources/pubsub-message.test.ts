import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config";
import { toPulledMessage, type ReceivedPubSubMessage } from "../../src/sources/pubsub-message";
import { validateLine, type ValidationContext } from "../../src/validate";

const PUBLISHED = Date.parse("2026-11-25T10:00:00.123Z");
const msg = (data: string | Buffer, attributes: Record<string, string> = {}, deliveryAttempt = 0): ReceivedPubSubMessage => ({
  id: "m-1",
  data: typeof data === "string" ? Buffer.from(data, "utf8") : data,
  attributes,
  publishTimeMs: PUBLISHED,
  deliveryAttempt,
});
const META = ',"message_id":"m-1","publish_time":"2026-11-25T10:00:00.123Z"';

test("delivery fields are appended to the received text when none exists yet", () => {
  const p = toPulledMessage(msg('{ "event_id": "a",  "n": 1.50 }\n', { k: "v" }, 3), {}, 0);
  assert.equal(p.merged, true);
  assert.equal(p.line.toString(), `{ "event_id": "a",  "n": 1.50 ${META},"attributes":{"k":"v"},"delivery_attempt":3}`);
  assert.deepEqual(p.meta, { message_id: "m-1", publish_time: "2026-11-25T10:00:00.123Z", attributes: { k: "v" }, delivery_attempt: 3 });
  assert.equal(toPulledMessage(msg("{}"), {}, 0).line.toString(), `{${META.slice(1)},"attributes":{},"delivery_attempt":null}`);
  assert.equal(toPulledMessage(msg("\ufeff{}"), {}, 0).line.toString(), `{${META.slice(1)},"attributes":{},"delivery_attempt":null}`, "BOM dropped");
});

test("delivery fields overwrite same-named fields of the data (re-serialized, key order kept)", () => {
  const p = toPulledMessage(msg('{"attributes":"mine","a":1}'), {}, 0);
  assert.equal(p.line.toString(), `{"attributes":{},"a":1${META},"delivery_attempt":null}`);
});

test("data that is not a UTF-8 JSON object stays byte for byte, with the metadata beside it", () => {
  for (const raw of [Buffer.from("not json"), Buffer.from("[1,2]"), Buffer.from('"str"'), Buffer.from([0x7b, 0xff, 0x7d]), Buffer.alloc(0)]) {
    const p = toPulledMessage(msg(raw, { a: "b" }), {}, 0);
    assert.equal(p.merged, false);
    assert.ok(p.line.equals(raw));
    assert.equal(p.meta.message_id, "m-1");
    assert.deepEqual(p.meta.attributes, { a: "b" });
  }
});

test("idAttribute / timestampAttribute override the data, epoch-ms attributes become ISO", () => {
  const mapping = { idAttribute: "eid", timestampAttribute: "ts" };
  const p = toPulledMessage(msg('{"event_id":"inner","x":1}', { eid: "outer", ts: String(Date.parse("2026-11-25T09:00:00Z")) }), mapping, 0);
  const line = JSON.parse(p.line.toString());
  assert.equal(line.event_id, "outer");
  assert.equal(line.timestamp, "2026-11-25T09:00:00.000Z");
  assert.equal(line.x, 1);
  const rfc = JSON.parse(toPulledMessage(msg("{}", { ts: "2026-11-25T09:00:00+02:00" }), mapping, 0).line.toString());
  assert.equal(rfc.timestamp, "2026-11-25T09:00:00+02:00", "RFC 3339 copied as is");
  assert.equal(rfc.event_id, undefined, "an absent attribute leaves the data alone");
  const nested = JSON.parse(toPulledMessage(msg('{"meta":{"other":1}}', { eid: "n1" }), { idAttribute: "eid", eventIdField: "meta.id" }, 0).line.toString());
  assert.deepEqual(nested.meta, { other: 1, id: "n1" });
  const proto = JSON.parse(toPulledMessage(msg("{}", { eid: "p" }), { idAttribute: "eid", eventIdField: "__proto__.id" }, 0).line.toString());
  assert.deepEqual(Object.getPrototypeOf(proto), Object.prototype);
});

test("the validator reads the merged delivery fields into the event's meta", () => {
  const ctx: ValidationContext = { config: parseConfig({}), nowMs: Date.parse("2026-11-25T12:00:00Z"), keyPaths: [] };
  const data = JSON.stringify({ source: "s1", event_type: "card.scanned", data: { ref: 1 } });
  const p = toPulledMessage(msg(data, { eid: "e-9", ts: "2026-11-25T11:59:00Z", region: "eu" }, 2), { idAttribute: "eid", timestampAttribute: "ts" }, 0);
  const v = validateLine(p.line, 1, ctx);
  assert.equal(v.kind, "event");
  if (v.kind !== "event") return;
  assert.equal(v.event.event_id, "e-9");
  assert.equal(v.event.timestamp, "2026-11-25T11:59:00Z");
  assert.deepEqual({ ...v.event.meta, attributes: { ...v.event.meta.attributes } }, { message_id: "m-1", publish_time: "2026-11-25T10:00:00.123Z", attributes: { eid: "e-9", ts: "2026-11-25T11:59:00Z", region: "eu" }, delivery_attempt: 2 });
  const bad = validateLine(toPulledMessage(msg("nope"), {}, 0).line, 2, ctx);
  assert.equal(bad.kind, "dead_letter");
});
