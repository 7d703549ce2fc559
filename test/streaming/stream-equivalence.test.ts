/**
 * `recover stream` over Pub/Sub (emulator) vs `recover run` (bounded) on the same 100,000
 * generated events plus probes (test/streaming/probes.ts): the same findings, the same events,
 * and faults that really straddle micro-batches. State in Redis (a claimed database).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PubSub } from "@google-cloud/pubsub";
import { createTopicAndSubscription } from "../../src/sources/pubsub-admin";
import { createPubSubClient } from "../../src/sources/pubsub-client";
import { withProbes, PROBE_LEAD, type ProbeInfo } from "./probes";
import {
  cli,
  claimRedisDb,
  eventIdsOf,
  flagIdsByKind,
  generate,
  ID_KEYED_KINDS,
  missingChainSteps,
  missingNumbers,
  NOW,
  PROJECT,
  publishInOrder,
  rawLines,
  readJsonl,
  repeated,
  setDiff,
  startServices,
  uniqueName,
  type BatchLogLine,
  type CliResult,
  type Flag,
  type RunSummaryJson,
  type StreamSummaryJson,
  type TruthRecord,
} from "./support";

const EVENTS = 100_000;
const BATCH = 1_000;

interface Results {
  dir: string;
  input: string;
  truth: TruthRecord[];
  probes: ProbeInfo;
  lines: Buffer[];
  messageIds: string[];
  stream: CliResult;
  streamSummary: StreamSummaryJson;
  ref: CliResult;
  refSummary: RunSummaryJson;
  batchLog: BatchLogLine[];
  streamFlags: Flag[];
  refFlags: Flag[];
  /** message id -> batch number that committed it. */
  batchOf: Map<string, number>;
  /** event id -> line indexes (0-based) in the published file. */
  linesOf: Map<string, number[]>;
}

const env: { client: PubSub | null; results: Results | null; release: (() => Promise<void>) | null } = { client: null, results: null, release: null };

function results(): Results {
  if (env.results === null) throw new Error("setup failed");
  return env.results;
}

before(
  async () => {
    startServices();
    env.client = createPubSubClient(PROJECT);
    const name = uniqueName("equiv");
    const redis = await claimRedisDb(name);
    env.release = redis.release;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-equiv-"));
    const gen = generate(dir, EVENTS, 11);
    const built = withProbes(rawLines(gen.file), 20_000, 50_000);
    const input = path.join(dir, "input.jsonl");
    fs.writeFileSync(input, Buffer.concat(built.lines.flatMap((l) => [l, Buffer.from("\n")])));

    await createTopicAndSubscription(PROJECT, name, `${name}-sub`, { client: env.client, deadLetterTopic: `${name}-dl`, maxDeliveryAttempts: 5, ackDeadlineSeconds: 60 });
    const tp = Date.now();
    const messageIds = await publishInOrder(env.client, name, built.lines);
    const publishMs = Date.now() - tp;

    const out = path.join(dir, "stream-out");
    const batchLogFile = path.join(dir, "batches.jsonl");
    const stream = await cli([
      "stream",
      "--subscription", `projects/${PROJECT}/subscriptions/${name}-sub`,
      "--out", out,
      "--state", redis.url,
      "--until-idle", "5",
      "--batch-size", String(BATCH),
      "--batch-log", batchLogFile,
      "--now", NOW,
      "--rates", gen.rates,
      "--quiet",
    ]);
    const refOut = path.join(dir, "ref-out");
    const ref = await cli(["run", "--input", input, "--out", refOut, "--now", NOW, "--rates", gen.rates, "--quiet"]);
    assert.equal(ref.code, 0, `recover run failed: ${ref.stderr}`);

    const batchLog = fs.existsSync(batchLogFile) ? readJsonl<BatchLogLine>(batchLogFile) : [];
    const batchOf = new Map<string, number>();
    for (const b of batchLog) for (const id of b.message_ids) if (id !== null) batchOf.set(id, b.batch);
    const linesOf = new Map<string, number[]>();
    built.lines.forEach((l, i) => {
      const m = /^\{"event_id":"([^"]+)"/.exec(l.toString("latin1", 0, 80));
      if (m !== null) linesOf.set(m[1], [...(linesOf.get(m[1]) ?? []), i]);
    });
    env.results = {
      dir,
      input,
      truth: readJsonl<TruthRecord>(gen.truth),
      probes: built.info,
      lines: built.lines,
      messageIds,
      stream,
      streamSummary: stream.code === 0 || stream.code === 3 ? (JSON.parse(stream.stdout) as StreamSummaryJson) : ({} as StreamSummaryJson),
      ref,
      refSummary: JSON.parse(ref.stdout) as RunSummaryJson,
      batchLog,
      streamFlags: readJsonl<Flag>(path.join(out, "flags.jsonl")),
      refFlags: readJsonl<Flag>(path.join(refOut, "flags.jsonl")),
      batchOf,
      linesOf,
    };
    const lines = built.lines.length;
    const sizes = batchLog.map((b) => b.messages);
    process.stderr.write(
      `# stream-equivalence: ${lines} messages published in ${publishMs} ms; stream ${stream.ms} ms (${Math.round(lines / (stream.ms / 1000))} msg/s incl. 5 s idle), ` +
        `${batchLog.length} batches (min ${Math.min(...sizes)}, max ${Math.max(...sizes)}), reference run ${ref.ms} ms\n`,
    );
  },
  { timeout: 1_200_000 },
);

after(async () => {
  await env.client?.close();
  await env.release?.();
  if (env.results !== null && process.env.KEEP_STREAM_TEST_DIRS === undefined) fs.rmSync(env.results.dir, { recursive: true, force: true });
});

test("stream exits 0, conservation holds, every batch <= 1,000 messages, every message committed once", (t) => {
  const r = results();
  assert.equal(r.stream.code, 0, `exit ${r.stream.code} signal ${r.stream.signal}\n${r.stream.stderr.slice(-3_000)}`);
  const s = r.streamSummary;
  assert.equal(s.conservation.holds, true, s.conservation.equation);
  assert.equal(s.lines, r.lines.length, "every published message was processed");
  assert.equal(s.redelivered, 0);
  const sizes = r.batchLog.map((b) => b.messages);
  t.diagnostic(`batches ${r.batchLog.length}; sizes min ${Math.min(...sizes)} max ${Math.max(...sizes)}; stream ${r.stream.ms} ms = ${Math.round(r.lines.length / (r.stream.ms / 1000))} msg/s`);
  for (const b of r.batchLog) assert.ok(b.messages <= 1_000, `batch ${b.batch} has ${b.messages} messages`);
  const committed = r.batchLog.flatMap((b) => b.message_ids.filter((x): x is string => x !== null));
  assert.deepEqual(repeated(committed), [], "no message id in two batches");
  assert.equal(new Set(committed).size, r.messageIds.length, "the batch log names every published message");
  // Delivery order vs publish order (measured, not asserted): the pipeline tolerates 5 min of event time.
  const index = new Map(r.messageIds.map((id, i) => [id, i]));
  let maxBack = 0;
  let inversions = 0;
  let highest = -1;
  for (const id of committed) {
    const i = index.get(id) ?? -1;
    if (i < highest) {
      inversions += 1;
      maxBack = Math.max(maxBack, highest - i);
    } else highest = i;
  }
  t.diagnostic(`delivery order: ${inversions} messages arrived after a later-published one; largest lag ${maxBack} positions`);
});

test("same flag ids as the bounded run for the id-keyed kinds (late_step apart: see the next test)", (t) => {
  const r = results();
  t.diagnostic(`stream flags_by_kind ${JSON.stringify(r.streamSummary.flags_by_kind)}`);
  t.diagnostic(`ref    flags_by_kind ${JSON.stringify(r.refSummary.flags_by_kind)}`);
  const kinds = ID_KEYED_KINDS.filter((k) => k !== "late_step");
  const a = flagIdsByKind(r.streamFlags, kinds);
  const b = flagIdsByKind(r.refFlags, kinds);
  for (const kind of kinds) {
    const d = setDiff(a.get(kind) ?? [], b.get(kind) ?? []);
    assert.deepEqual(d, { onlyA: [], onlyB: [] }, `${kind}: stream-only / bounded-only flag ids`);
  }
  assert.deepEqual(repeated(r.streamFlags.map((f) => f.flag_id)), [], "no flag_id twice in the stream's flags.jsonl");
  assert.equal(r.streamFlags.filter((f) => f.kind === "late_unchecked").length, 0, "no late_unchecked");
});

test("same late_step flag ids as the bounded run", (t) => {
  const r = results();
  const a = flagIdsByKind(r.streamFlags, ["late_step"]).get("late_step") ?? [];
  const b = flagIdsByKind(r.refFlags, ["late_step"]).get("late_step") ?? [];
  const d = setDiff(a, b);
  const ids = new Set(d.onlyB);
  for (const f of r.refFlags) if (ids.has(f.flag_id)) t.diagnostic(`bounded-only late_step ${f.key} step ${String(f.detail["step"])} deadline ${String(f.detail["deadline"])} event_time ${f.event_time}`);
  assert.deepEqual(d, { onlyA: [], onlyB: [] });
});

test("same missing sequence numbers once gap_filled retractions are applied", (t) => {
  const r = results();
  const a = missingNumbers(r.streamFlags);
  const b = missingNumbers(r.refFlags);
  t.diagnostic(`missing numbers: stream ${a.length}, bounded ${b.length}; gap_filled in stream ${r.streamFlags.filter((f) => f.kind === "gap_filled").length}`);
  assert.deepEqual(setDiff(a, b), { onlyA: [], onlyB: [] });
});

test("same missing chain steps (missing_upstream / missing_downstream as (key, missing) pairs)", (t) => {
  const r = results();
  const a = missingChainSteps(r.streamFlags);
  const b = missingChainSteps(r.refFlags);
  const d = setDiff(a, b);
  if (d.onlyA.length + d.onlyB.length > 0) {
    const keys = new Set([...d.onlyA, ...d.onlyB].map((x) => x.split("|")[0]));
    for (const f of r.streamFlags) if (f.key !== null && keys.has(f.key)) t.diagnostic(`stream ${f.kind} ${f.key} ${JSON.stringify(f.detail)} event_time ${f.event_time}`);
    for (const f of r.refFlags) if (f.key !== null && keys.has(f.key)) t.diagnostic(`bounded ${f.kind} ${f.key} ${JSON.stringify(f.detail)} event_time ${f.event_time}`);
  }
  assert.deepEqual(d, { onlyA: [], onlyB: [] });
});

test("same event ids in events.jsonl, each exactly once", () => {
  const r = results();
  const a = eventIdsOf(path.join(r.dir, "stream-out", "events.jsonl"));
  const b = eventIdsOf(path.join(r.dir, "ref-out", "events.jsonl"));
  assert.deepEqual(repeated(a), [], "stream: an event_id twice");
  assert.equal(a.length, r.streamSummary.events);
  const d = setDiff(a, b);
  assert.deepEqual({ onlyStream: d.onlyA.slice(0, 20), onlyBounded: d.onlyB.slice(0, 20) }, { onlyStream: [], onlyBounded: [] });
});

test("faults straddle batches: a duplicate of an earlier batch, a gap >= 2 batches wide, a gap filled >= 2 batches later, a chain over >= 3 batches", (t) => {
  const r = results();
  const batchOfLine = (i: number): number => r.batchOf.get(r.messageIds[i]) ?? -1;
  const batchesOf = (eventId: string): number[] => (r.linesOf.get(eventId) ?? []).map(batchOfLine);

  // Duplicates (truth + the probe copy): a copy committed in a later batch than its original.
  const dupIds = new Set(r.truth.flatMap((x) => ("kind" in x && x.kind === "duplicate" ? [x.event_id] : [])));
  dupIds.add(r.probes.sparse1);
  const straddlingDups = [...dupIds].filter((id) => {
    const b = batchesOf(id);
    return b.length >= 2 && Math.max(...b.slice(1)) > b[0];
  });
  t.diagnostic(`duplicates whose copy is in a later batch than the original: ${straddlingDups.length} of ${dupIds.size}`);
  assert.ok(straddlingDups.length >= 1);
  const dupFlags = new Set(r.streamFlags.filter((f) => f.kind === "duplicate").map((f) => f.event_id));
  for (const id of straddlingDups) assert.ok(dupFlags.has(id), `straddling duplicate ${id} flagged`);

  // Gaps: the numbers around a missing range committed >= 2 batches apart.
  const seqLine = new Map<string, number>();
  r.lines.forEach((l, i) => {
    const m = /"source":"([^"]+)","sequence":(\d+)/.exec(l.toString("latin1", 0, 200));
    if (m !== null && !seqLine.has(`${m[1]}#${m[2]}`)) seqLine.set(`${m[1]}#${m[2]}`, i);
  });
  let wideGaps = 0;
  for (const f of r.streamFlags) {
    if (f.kind !== "sequence_gap") continue;
    const below = seqLine.get(`${f.source}#${Number(f.detail["from"]) - 1}`);
    const above = seqLine.get(`${f.source}#${Number(f.detail["to"]) + 1}`);
    if (below !== undefined && above !== undefined && Math.abs(batchOfLine(above) - batchOfLine(below)) >= 2) wideGaps += 1;
  }
  t.diagnostic(`sequence gaps whose neighbours were committed >= 2 batches apart: ${wideGaps}`);
  assert.ok(wideGaps >= 1);

  // A number filled >= 2 batches after the number before it (stream: gap_filled).
  const filled = r.streamFlags.filter((f) => f.kind === "gap_filled");
  const lateFillBatch = batchesOf(r.probes.fillLate)[0];
  const beforeBatch = batchesOf(r.probes.fillBeforeLate)[0];
  t.diagnostic(`gap_filled flags: ${filled.length}; probe-filler #1000 committed in batch ${lateFillBatch}, #999 in batch ${beforeBatch}`);
  assert.ok(lateFillBatch - beforeBatch >= 2, "the late number came >= 2 batches later");
  assert.ok(filled.some((f) => f.event_id === r.probes.fillLate), "gap_filled for the late number");

  // A chain completed >= 3 batches after it started, with no chain flag on it in either run.
  const chainBatches = r.probes.chain.map((id) => batchesOf(id)[0]);
  t.diagnostic(`probe chain steps committed in batches ${chainBatches.join(", ")}`);
  assert.ok(chainBatches[3] - chainBatches[0] >= 3);
  assert.deepEqual(r.streamFlags.filter((f) => f.key === PROBE_LEAD).map((f) => f.kind), []);
  assert.deepEqual(r.refFlags.filter((f) => f.key === PROBE_LEAD).map((f) => f.kind), []);
});
