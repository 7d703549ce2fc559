/**
 * `recover stream` killed again and again (SIGKILL at each named fault point, and twice by the
 * test at a random moment), restarted each time on the same --out and file state dir, until
 * a clean run drains the subscription. Then: nothing lost, nothing written twice (JSON lines and
 * DuckDB), findings equal to the bounded reference run.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PubSub } from "@google-cloud/pubsub";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DeadLetter } from "../../src/event";
import { createTopicAndSubscription } from "../../src/sources/pubsub-admin";
import { createPubSubClient } from "../../src/sources/pubsub-client";
import {
  cli,
  eventIdsOf,
  fileLines,
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
  sleep,
  startCli,
  startServices,
  uniqueName,
  type CliResult,
  type Flag,
  type StreamSummaryJson,
} from "./support";

const EVENTS = 20_000;
/** Ack deadline of the subscription: a killed run's messages come back after this. */
const ACK_DEADLINE_S = 10;
/** How long drain runs may keep emptying the subscription (each ends after 90 s idle). */
const DRAIN_BUDGET_MS = 10 * 60_000;
/** Longest lease a consumer asks for (PubSubSource's DEFAULT_MAX_ACK_DEADLINE_SECONDS). */
const LEASE_S = 15;

interface Run {
  readonly label: string;
  readonly result: CliResult;
}

const env: { drainRuns: number; lateAfterFlush: boolean; client: PubSub | null; dir: string; runs: Run[]; lines: Buffer[]; out: string; refOut: string; final: StreamSummaryJson | null } = {
  drainRuns: 0,
  lateAfterFlush: false,
  client: null,
  dir: "",
  runs: [],
  lines: [],
  out: "",
  refOut: "",
  final: null,
};

before(
  async () => {
    startServices();
    env.client = createPubSubClient(PROJECT);
    const name = uniqueName("faults");
    env.dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-faults-"));
    const gen = generate(env.dir, EVENTS, 23);
    env.lines = rawLines(gen.file);
    // No dead-letter policy: every crash adds a delivery attempt to the messages a run held,
    // and a policy would move those to the dead-letter topic after a few crashes.
    await createTopicAndSubscription(PROJECT, name, `${name}-sub`, { client: env.client, ackDeadlineSeconds: ACK_DEADLINE_S });
    const published = await publishInOrder(env.client, name, env.lines);

    env.out = path.join(env.dir, "stream-out");
    const state = path.join(env.dir, "state");
    // 20,000 generated events span 14 days (a day of event time is ~1,400 messages), and after
    // kills the emulator redelivers the backlog in an order unrelated to publish order. The
    // allowed lateness must exceed that reorder depth, as minutes do in production; otherwise
    // late arrivals are judged differently by design (late_unchecked, retractions), which the
    // equivalence test covers. Here it spans the input, so this test isolates durability:
    // crashes anywhere must give exactly the bounded run's outputs.
    const config = path.join(env.dir, "config.json");
    fs.writeFileSync(config, JSON.stringify({ allowed_lateness_ms: 30 * 86_400_000 }));
    const args = [
      "stream",
      "--subscription", `projects/${PROJECT}/subscriptions/${name}-sub`,
      "--out", env.out,
      "--state", state,
      "--config", config,
      "--until-idle", "5",
      "--batch-size", "1000",
      "--batch-log", path.join(env.dir, "batches.jsonl"),
      "--now", NOW,
      "--rates", gen.rates,
      "--quiet",
    ];
    const plan: Array<{ label: string; fault?: string; killAfterMs?: number }> = [
      { label: "RECOVER_FAULT=before_output", fault: "before_output" },
      { label: "RECOVER_FAULT=mid_output", fault: "mid_output" },
      { label: "RECOVER_FAULT=after_output_before_state", fault: "after_output_before_state" },
      { label: "RECOVER_FAULT=after_state_before_ack", fault: "after_state_before_ack" },
      { label: "SIGKILL from the test", killAfterMs: 1_000 + Math.floor(Math.random() * 3_000) },
      { label: "SIGKILL from the test", killAfterMs: 1_000 + Math.floor(Math.random() * 3_000) },
    ];
    // A fault run must reach its fault point (3 batches) even while the emulator is still slowly
    // handing back a killed run's messages: it waits up to 30 s idle, not 5, before it would end,
    // and would end without flushing end-of-input (--no-flush).
    const faultArgs = [...args.map((a, i) => (args[i - 1] === "--until-idle" ? "30" : a)), "--no-flush"];
    for (const step of plan) {
      const faultEnv: NodeJS.ProcessEnv = step.fault === undefined ? {} : { RECOVER_FAULT: step.fault, RECOVER_FAULT_AFTER: "3" };
      const run = startCli(faultArgs, faultEnv);
      const guard = setTimeout(() => run.kill("SIGKILL"), step.killAfterMs ?? 600_000);
      const result = await run.done;
      clearTimeout(guard);
      env.runs.push({ label: step.killAfterMs === undefined ? step.label : `${step.label} after ${step.killAfterMs} ms`, result });
      // Let the killed run's leases expire, so its messages are redelivered before the next run
      // has pulled far ahead of them (they would otherwise come back hours late in event time).
      if (result.signal !== null) await sleep((LEASE_S + 2) * 1_000);
    }
    // Drain runs then empty the subscription. After kills the emulator hands a dead consumer's
    // expired messages back slowly and in pieces. Measured in a /tmp experiment (20,000 messages,
    // six killed consumers, then consumers that stop after 60 s idle), in four of four trials
    // the first such consumer ended lacking 100-1,300 messages, and a later one received them
    // 1.5-3 min after the rest. Reopening the stream, even with a new client, every 20 s did
    // not bring them sooner. Unacked messages are not lost, so, as an operator would, run again
    // until the batch log has committed every published message id, within a drain budget (if
    // it is spent, the loss test below reports how many never came back). Drain runs stop
    // without flushing (--no-flush), so a message handed back late is not late data; then one
    // run flushes end-of-input, as the end of the bounded run does.
    const drainArgs = [...args.map((a, i) => (args[i - 1] === "--until-idle" ? "90" : a)), "--no-flush"];
    const batchLog = path.join(env.dir, "batches.jsonl");
    const drainStart = Date.now();
    let drained = await cli(drainArgs);
    env.drainRuns = 1;
    while (drained.code === 0 && committedMessageIds(batchLog).size < published.length && Date.now() - drainStart < DRAIN_BUDGET_MS) {
      drained = await cli(drainArgs);
      env.drainRuns += 1;
    }
    const final = drained.code === 0 ? await cli(args) : drained;
    // Messages first processed by the flushing run are late data by the documented semantics,
    // so flags may rightly differ from a batch run (possible only if the drain budget ran out).
    // Redeliveries of committed messages (acknowledged again, never processed) do not count:
    // the emulator may still hand some back to the final run.
    const processed = (out: string) => {
      const s = JSON.parse(out) as StreamSummaryJson;
      return s.lines - s.redelivered;
    };
    if (drained.code === 0 && final.code === 0 && processed(final.stdout) !== processed(drained.stdout)) {
      env.lateAfterFlush = true;
    }
    env.runs.push({ label: "final run, no fault", result: final });
    if (final.code === 0 || final.code === 3) env.final = JSON.parse(final.stdout) as StreamSummaryJson;

    env.refOut = path.join(env.dir, "ref-out");
    const ref = await cli(["run", "--input", gen.file, "--out", env.refOut, "--now", NOW, "--rates", gen.rates, "--quiet"]);
    assert.equal(ref.code, 0, ref.stderr);
  },
  { timeout: 1_800_000 },
);

after(async () => {
  await env.client?.close();
  if (env.dir !== "" && process.env.KEEP_STREAM_TEST_DIRS === undefined) fs.rmSync(env.dir, { recursive: true, force: true });
});

/** Message ids of every batch a run committed (the `--batch-log`). */
function committedMessageIds(batchLog: string): Set<string | null> {
  if (!fs.existsSync(batchLog)) return new Set();
  return new Set(fileLines(batchLog).flatMap((l) => (JSON.parse(l) as { message_ids: Array<string | null> }).message_ids));
}

const flagsOf = (dir: string): Flag[] => readJsonl<Flag>(path.join(dir, "flags.jsonl"));

test("every fault run was killed, the final run exits 0 with conservation", (t) => {
  for (const r of env.runs) {
    const batches = (r.result.stderr.match(/\[stream\] batch \d+ failed/g) ?? []).length;
    t.diagnostic(`${r.label}: exit ${r.result.code} signal ${r.result.signal} in ${r.result.ms} ms${batches > 0 ? `, ${batches} failed batches` : ""}`);
  }
  for (const r of env.runs.slice(0, 4)) assert.equal(r.result.signal, "SIGKILL", `${r.label} reached its fault point (stderr ${r.result.stderr.slice(-500)})`);
  const final = env.runs[env.runs.length - 1].result;
  assert.equal(final.code, 0, final.stderr.slice(-3_000));
  assert.ok(env.final !== null);
  t.diagnostic(`final summary: ${JSON.stringify({ ...env.final, flags_by_kind: undefined })}`);
  assert.equal(env.final.conservation.holds, true, env.final.conservation.equation);
  const batchLog = fileLines(path.join(env.dir, "batches.jsonl")).length;
  t.diagnostic(`batch log lines ${batchLog}; committed batches ${env.final.batches}; drain runs ${env.drainRuns}`);
});

test("every published event is in events.jsonl exactly once, or a duplicate / near-duplicate / dead letter", () => {
  const events = eventIdsOf(path.join(env.out, "events.jsonl"));
  assert.deepEqual(repeated(events), [], "an event_id twice in events.jsonl");
  const kept = new Set(events);
  const flags = flagsOf(env.out);
  const near = new Set(flags.filter((f) => f.kind === "near_duplicate").map((f) => f.event_id));
  const dups = flags.filter((f) => f.kind === "duplicate");
  const dead = readJsonl<DeadLetter>(path.join(env.out, "dead_letter.jsonl"));
  const refDead = readJsonl<DeadLetter>(path.join(env.refOut, "dead_letter.jsonl"));
  assert.equal(dead.length, refDead.length, "dead letters: stream vs bounded");
  const copies = new Map<string, number>();
  let unparsed = 0;
  for (const l of env.lines) {
    const m = /^\{"event_id":"([^"]+)"/.exec(l.toString("latin1", 0, 80));
    if (m === null) unparsed += 1;
    else copies.set(m[1], (copies.get(m[1]) ?? 0) + 1);
  }
  // A dead letter names its event_id when the line parsed; a malformed line only holds it in raw.
  const deadIds = new Set(dead.map((d) => d.event_id ?? /^\{"event_id":"([^"]+)"/.exec(d.raw)?.[1] ?? null));
  const lost = [...copies.keys()].filter((id) => !kept.has(id) && !near.has(id) && !deadIds.has(id));
  // Which side lost them: message ids in the batch log were committed by some run (then the
  // pipeline dropped their events), the others never reached a committing run (the emulator
  // still held them when the drain budget was spent).
  const committedIds = committedMessageIds(path.join(env.dir, "batches.jsonl"));
  const delivery = `the batch log commits ${committedIds.size} distinct message ids of ${env.lines.length} published`;
  assert.deepEqual(lost.slice(0, 20), [], `${lost.length} published event ids are nowhere (${unparsed} lines without a leading event_id); ${delivery}`);
  const extraCopies = [...copies.values()].reduce((s, n) => s + n - 1, 0);
  const refDups = flagsOf(env.refOut).filter((f) => f.kind === "duplicate").length;
  assert.equal(dups.length, refDups, "duplicate flags: stream vs bounded");
  assert.ok(dups.length <= extraCopies);
  assert.deepEqual(setDiff(events, eventIdsOf(path.join(env.refOut, "events.jsonl"))), { onlyA: [], onlyB: [] }, "event ids: stream vs bounded");
});

test("no flag_id twice in flags.jsonl; DuckDB has no duplicate ids and the JSONL row counts", async (t) => {
  const flags = flagsOf(env.out);
  assert.deepEqual(repeated(flags.map((f) => f.flag_id)), [], "a flag_id twice in flags.jsonl");
  const instance = await DuckDBInstance.create(path.join(env.out, "recovery.duckdb"));
  const con = await instance.connect();
  try {
    const one = async (sql: string): Promise<number> => {
      const reader = await con.runAndReadAll(sql);
      return Number(reader.getRows()[0][0]);
    };
    const ev = { rows: await one("SELECT count(*) FROM events"), ids: await one("SELECT count(DISTINCT event_id) FROM events") };
    const fl = { rows: await one("SELECT count(*) FROM flags"), ids: await one("SELECT count(DISTINCT flag_id) FROM flags") };
    const dl = await one("SELECT count(*) FROM dead_letter");
    t.diagnostic(`duckdb events ${ev.rows} (${ev.ids} distinct), flags ${fl.rows} (${fl.ids} distinct), dead letters ${dl}`);
    assert.equal(ev.rows, ev.ids, "duplicate event_id rows in DuckDB");
    assert.equal(fl.rows, fl.ids, "duplicate flag_id rows in DuckDB");
    assert.equal(ev.rows, fileLines(path.join(env.out, "events.jsonl")).length);
    assert.equal(fl.rows, flags.length);
    assert.equal(dl, fileLines(path.join(env.out, "dead_letter.jsonl")).length);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
});

test("flags equal the bounded run's: id-keyed kinds (late_step apart) and missing sequence numbers", (t) => {
  if (env.lateAfterFlush) {
    t.skip("the emulator returned messages after a run had flushed end-of-input: late data, judged as such");
    return;
  }
  const a = flagsOf(env.out);
  const b = flagsOf(env.refOut);
  t.diagnostic(`stream ${JSON.stringify(env.final?.flags_by_kind)}`);
  const kinds = ID_KEYED_KINDS.filter((k) => k !== "late_step");
  const sa = flagIdsByKind(a, kinds);
  const sb = flagIdsByKind(b, kinds);
  for (const k of kinds) assert.deepEqual(setDiff(sa.get(k) ?? [], sb.get(k) ?? []), { onlyA: [], onlyB: [] }, k);
  assert.deepEqual(setDiff(missingNumbers(a), missingNumbers(b)), { onlyA: [], onlyB: [] }, "missing sequence numbers");
});

test("flags equal the bounded run's: late_step ids and missing chain steps", (t) => {
  if (env.lateAfterFlush) {
    t.skip("the emulator returned messages after a run had flushed end-of-input: late data, judged as such");
    return;
  }
  const a = flagsOf(env.out);
  const b = flagsOf(env.refOut);
  const la = flagIdsByKind(a, ["late_step"]).get("late_step") ?? [];
  const lb = flagIdsByKind(b, ["late_step"]).get("late_step") ?? [];
  assert.deepEqual(setDiff(la, lb), { onlyA: [], onlyB: [] }, "late_step");
  assert.deepEqual(setDiff(missingChainSteps(a), missingChainSteps(b)), { onlyA: [], onlyB: [] }, "missing chain steps");
});
