import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { PubSub } from "@google-cloud/pubsub";
import { parseConfig } from "../../src/config";
import { PubSubSource } from "../../src/sources/pubsub";
import { createTopicAndSubscription } from "../../src/sources/pubsub-admin";
import { createPubSubClient } from "../../src/sources/pubsub-client";
import type { PulledMessage } from "../../src/sources/pubsub-message";
import { PubSubPublisher } from "../../src/sources/pubsub-publisher";
import { validateLine } from "../../src/validate";
import { startService, type RunningService } from "../state/services";

// Real emulator, started by scripts/services/pubsub-emulator.sh. The emulator keeps everything
// in memory; names carry a run id so a shared emulator is never confused by an earlier run.
const PORT = Number(process.env.PUBSUB_PORT ?? 8085);
const PROJECT = "test-project";
const RUN = `r${process.pid}x${Date.now()}`;
const env: { service: RunningService | null; client: PubSub | null } = { service: null, client: null };
const client = (): PubSub => {
  if (env.client === null) throw new Error("no client");
  return env.client;
};

before(() => {
  process.env.PUBSUB_EMULATOR_HOST = `127.0.0.1:${PORT}`;
  process.env.METADATA_SERVER_DETECTION = "none";
  env.service = startService("pubsub-emulator");
  env.client = createPubSubClient(PROJECT);
});
after(async () => {
  await env.client?.close();
  env.service?.stop();
});

const event = (i: number): string =>
  JSON.stringify({ event_id: `e-${i}`, source: "s1", sequence: i, timestamp: new Date().toISOString(), event_type: "card.scanned", data: { ref: i } });

/** Pulls until `count` messages arrived or `deadlineMs` passed; `onBatch` sees every batch. */
async function pullAll(source: PubSubSource, count: number, batch: number, deadlineMs: number, onBatch: (b: PulledMessage[]) => Promise<void>): Promise<PulledMessage[]> {
  const got: PulledMessage[] = [];
  const end = Date.now() + deadlineMs;
  while (got.length < count && Date.now() < end) {
    const b = await source.next(Math.min(batch, count - got.length), Math.max(1, Math.min(1_000, end - Date.now())));
    got.push(...b);
    await onBatch(b);
  }
  return got;
}

test("3,000 messages with attributes: each arrives once with its delivery fields; acked ones never come back", { timeout: 120_000 }, async (t) => {
  const names = await createTopicAndSubscription(PROJECT, `${RUN}-bulk`, `${RUN}-bulk-sub`, { client: client(), deadLetterTopic: `${RUN}-bulk-dl`, maxDeliveryAttempts: 5, ackDeadlineSeconds: 10 });
  assert.match(names.subscription, new RegExp(`^projects/${PROJECT}/subscriptions/${RUN}-bulk-sub$`));
  const publisher = new PubSubPublisher(client());
  const lines = Array.from({ length: 3_000 }, (_, i) => event(i));
  const attrs = lines.map((_, i) => ({ seq: String(i), origin: "test" }));
  const t0 = Date.now();
  const ids = await publisher.publish(`${RUN}-bulk`, lines, attrs);
  t.diagnostic(`published 3,000 in ${Date.now() - t0} ms`);
  assert.equal(new Set(ids).size, 3_000);

  const source = new PubSubSource(client(), `${RUN}-bulk-sub`, { maxOutstandingMessages: 2_000 });
  const batchSizes: number[] = [];
  const ctx = { config: parseConfig({}), nowMs: Date.now(), keyPaths: [] };
  const t1 = Date.now();
  const got = await pullAll(source, 3_000, 1_000, 60_000, async (b) => {
    batchSizes.push(b.length);
    await source.ack(b);
  });
  t.diagnostic(`pulled and acked 3,000 in ${Date.now() - t1} ms, batches ${batchSizes.join(",")}`);
  assert.equal(got.length, 3_000);
  const seen = new Set<string>();
  for (const m of got) {
    assert.equal(m.merged, true);
    const line = JSON.parse(m.line.toString("utf8"));
    const i = line.sequence as number;
    assert.equal(seen.has(line.event_id), false, `${line.event_id} twice`);
    seen.add(line.event_id);
    assert.equal(line.message_id, ids[i]);
    assert.match(line.publish_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(line.publish_time) - t0) < 60_000);
    assert.deepEqual(line.attributes, { seq: String(i), origin: "test" });
    assert.equal(line.delivery_attempt, 1, "a dead-letter policy makes the service count attempts");
    assert.deepEqual(m.meta, { message_id: ids[i], publish_time: line.publish_time, attributes: { seq: String(i), origin: "test" }, delivery_attempt: 1 });
  }
  const v = validateLine(got[0].line, 1, ctx);
  assert.equal(v.kind, "event");
  if (v.kind === "event") assert.equal(v.event.meta.message_id, got[0].meta.message_id);
  await source.close();

  // A new stream on the same subscription: anything not acked would be redelivered at once
  // (close nacks what it holds), so an empty pull means every ack reached the emulator.
  const again = new PubSubSource(client(), `${RUN}-bulk-sub`);
  assert.deepEqual(await again.next(1_000, 3_000), []);
  await again.close();
  await publisher.close();
});

test("nack redelivers with delivery_attempt + 1; after maxDeliveryAttempts the message is on the dead-letter topic", { timeout: 120_000 }, async (t) => {
  await createTopicAndSubscription(PROJECT, `${RUN}-nack`, `${RUN}-nack-sub`, { client: client(), deadLetterTopic: `${RUN}-nack-dl`, maxDeliveryAttempts: 5, ackDeadlineSeconds: 10 });
  const publisher = new PubSubPublisher(client());
  const ids = await publisher.publish(`${RUN}-nack`, [event(1), event(2), event(3)], { kind: "nack-me" });
  const source = new PubSubSource(client(), `${RUN}-nack-sub`);
  const attempts = new Map<string, number[]>();
  for (let round = 1; round <= 5; round++) {
    const b = await source.next(round === 1 ? 3 : 2, 10_000);
    for (const m of b) attempts.set(m.meta.message_id, [...(attempts.get(m.meta.message_id) ?? []), m.meta.delivery_attempt ?? -1]);
    if (round === 1) {
      // Keep e-1: ack it on its first delivery.
      const keep = b.filter((m) => m.meta.message_id === ids[0]);
      await source.ack(keep);
      await source.nack(b.filter((m) => m.meta.message_id !== ids[0]));
    } else {
      assert.equal(b.length, 2, `round ${round}: the two nacked messages are redelivered`);
      await source.nack(b);
    }
  }
  t.diagnostic(`delivery_attempt per message: ${JSON.stringify([...attempts.values()])}`);
  assert.deepEqual(attempts.get(ids[0]), [1]);
  assert.deepEqual(attempts.get(ids[1]), [1, 2, 3, 4, 5]);
  assert.deepEqual(attempts.get(ids[2]), [1, 2, 3, 4, 5]);
  assert.deepEqual(await source.next(2, 3_000), [], "after 5 attempts they leave the subscription");
  await source.close();

  const dead = new PubSubSource(client(), `${RUN}-nack-dl-sub`);
  const dl = await pullAll(dead, 2, 2, 15_000, async (b) => dead.ack(b));
  await dead.close();
  t.diagnostic(`dead-letter copy: ${JSON.stringify({ ...dl[0]?.meta, line: undefined })}`);
  assert.equal(dl.length, 2);
  const lines = dl.map((m) => JSON.parse(m.line.toString()));
  assert.deepEqual(lines.map((l) => l.event_id).sort(), ["e-2", "e-3"]);
  for (const m of dl) assert.equal(m.meta.attributes.kind, "nack-me", "the original attributes travel along");
  await publisher.close();
});

test("a held batch keeps its lease past the ack deadline (no redelivery while in hand)", { timeout: 60_000 }, async () => {
  await createTopicAndSubscription(PROJECT, `${RUN}-lease`, `${RUN}-lease-sub`, { client: client(), ackDeadlineSeconds: 10 });
  const publisher = new PubSubPublisher(client());
  await publisher.publish(`${RUN}-lease`, [event(1), event(2)]);
  const source = new PubSubSource(client(), `${RUN}-lease-sub`);
  const held = await source.next(2, 10_000);
  assert.equal(held.length, 2);
  assert.equal(held[0].meta.delivery_attempt, null, "no dead-letter policy: no delivery_attempt");
  // 14 s > the 10 s ack deadline: without lease extension both would be redelivered.
  assert.deepEqual(await source.next(2, 14_000), []);
  await source.ack(held);
  await source.close();
  await publisher.close();
});

test("idAttribute / timestampAttribute are mapped into the line; non-JSON data stays raw", { timeout: 60_000 }, async () => {
  await createTopicAndSubscription(PROJECT, `${RUN}-attr`, `${RUN}-attr-sub`, { client: client() });
  const publisher = new PubSubPublisher(client());
  const body = JSON.stringify({ source: "s1", event_type: "card.scanned", data: { ref: 1 } });
  const when = Date.now() - 60_000;
  await publisher.publish(`${RUN}-attr`, [body], { eid: "from-attr", ts: String(when) });
  await publisher.publish(`${RUN}-attr`, ["not json at all"], { eid: "x" });
  const source = new PubSubSource(client(), `${RUN}-attr-sub`, { idAttribute: "eid", timestampAttribute: "ts" });
  const got = await pullAll(source, 2, 2, 15_000, async (b) => source.ack(b));
  await source.close();
  assert.equal(got.length, 2);
  const mapped = got.find((m) => m.merged);
  const raw = got.find((m) => !m.merged);
  assert.ok(mapped && raw);
  const line = JSON.parse(mapped.line.toString());
  assert.equal(line.event_id, "from-attr");
  assert.equal(line.timestamp, new Date(when).toISOString());
  const v = validateLine(mapped.line, 1, { config: parseConfig({}), nowMs: Date.now(), keyPaths: [] });
  assert.equal(v.kind, "event");
  assert.equal(raw.line.toString(), "not json at all");
  assert.equal(raw.meta.attributes.eid, "x");
  await publisher.close();
});

test("next() refuses a batch larger than the flow-control limit", async () => {
  const source = new PubSubSource(client(), `${RUN}-attr-sub`, { maxOutstandingMessages: 100 });
  await assert.rejects(source.next(101, 10), /exceeds maxOutstandingMessages 100/);
  await source.close();
});

test("pull rate: flow control raised vs the library default of 1,000 outstanding (logged, not asserted)", { timeout: 240_000 }, async (t) => {
  const N = 10_000;
  const BATCH = 1_000;
  const variants = [
    { name: "default (maxMessages 1000)", outstanding: 1_000 },
    { name: "raised (maxMessages 5000)", outstanding: 5_000 },
  ];
  const publisher = new PubSubPublisher(client());
  for (const v of variants) {
    const topic = `${RUN}-rate-${v.outstanding}`;
    await createTopicAndSubscription(PROJECT, topic, `${topic}-sub`, { client: client() });
    const lines = Array.from({ length: N }, (_, i) => event(i));
    for (let i = 0; i < N; i += 2_000) await publisher.publish(topic, lines.slice(i, i + 2_000));
    const source = new PubSubSource(client(), `${topic}-sub`, { maxOutstandingMessages: v.outstanding });
    // Simulates the loop's work per batch (validate, detect, commit): 20 ms.
    const t0 = Date.now();
    const got = await pullAll(source, N, BATCH, 120_000, async (b) => {
      await new Promise((r) => setTimeout(r, 20));
      await source.ack(b);
    });
    const ms = Date.now() - t0;
    await source.close();
    t.diagnostic(`pull rate ${v.name}, batches of ${BATCH}: ${got.length} msgs in ${ms} ms = ${Math.round(got.length / (ms / 1000))} msg/s`);
    assert.equal(got.length, N);
  }
  await publisher.close();
});
