/**
 * An insertAll whose answer never comes (a half-open connection, a black-holed load balancer):
 * fake-bigquery stores the rows and never answers the first insertAll. The sink must give up on
 * that request after `requestTimeoutMs` and send the rows again (same insertIds, stored once).
 * Before, the client's `timeout` option never reached the request (teeny-request passes it to
 * node-fetch 3, which ignores it), so the write waited forever and `recover stream` with it.
 */
import assert from "node:assert/strict";
import type * as http from "node:http";
import { test } from "node:test";
import { PassThroughClient } from "google-auth-library";
import { BigQuerySink } from "../../src/sinks/bigquery";
import type { OutputEvent } from "../../src/sinks/sink";
import { FakeBigQuery } from "./bigquery-fake";

const P = "proj-1";
const D = "recovery";

const event = (id: string): OutputEvent => ({
  event_id: id,
  source: "s1",
  event_type: "card.scanned",
  sequence: 1,
  event_time: "2026-11-20T10:00:00.000Z",
  raw: JSON.stringify({ event_id: id, source: "s1", sequence: 1, timestamp: "2026-11-20T10:00:00Z", event_type: "card.scanned", data: {} }),
  meta: { message_id: null, publish_time: null, attributes: null, delivery_attempt: null },
});

type Handle = (req: http.IncomingMessage, text: string, res: http.ServerResponse) => void;

test("an insertAll left unanswered times out after requestTimeoutMs and is sent again; the rows are stored once", { timeout: 30_000 }, async () => {
  const fake = await FakeBigQuery.start();
  const f = fake as unknown as { handle: Handle };
  const handle: Handle = f.handle.bind(fake);
  let unanswered = 0;
  f.handle = (req, text, res) => {
    if ((req.url ?? "").includes("/insertAll") && unanswered++ === 0) {
      // Applied, and the answer never leaves.
      handle(req, text, { writeHead: () => undefined, end: () => undefined } as unknown as http.ServerResponse);
      return;
    }
    handle(req, text, res);
  };
  const sink = new BigQuerySink({
    project: P,
    dataset: D,
    apiEndpoint: fake.endpoint,
    authClient: new PassThroughClient(),
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    requestTimeoutMs: 500,
  });
  try {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      sink.write({ events: [event("e1"), event("e2")], flags: [], deadLetters: [] }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("write still pending after 10 s: requestTimeoutMs was not applied")), 10_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.deepEqual(result.written, { events: 2, flags: 0, deadLetters: 0 });
    assert.equal(unanswered, 2, "the unanswered insertAll was sent again");
    assert.deepEqual(fake.rows(P, D, "events").map((r) => r.json.event_id), ["e1", "e2"], "stored once (same insertIds)");
  } finally {
    await sink.close();
    await fake.close();
  }
});
