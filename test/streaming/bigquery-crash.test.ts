/**
 * `recover stream --bigquery` against fake-bigquery (`BIGQUERY_EMULATOR_HOST`), killed after a
 * batch reached BigQuery but before its state was committed, then run again once BigQuery's
 * insertId minute has passed (`forgetInsertIds`): the replayed batch lands in the tables a second
 * time, and the exactly-once views, run on DuckDB over the fake's rows, hold what the JSON-lines
 * outputs hold (each of those exactly once after the crash, test/streaming/stream-faults.test.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { DuckDBInstance } from "@duckdb/node-api";
import { FakeBigQuery } from "../sinks/bigquery-fake";
import { loadRows, readOnce } from "../sinks/bigquery-duckdb";
import { streamArgs, withStreamInput } from "./reference-match";
import { cli, readJsonl, type Flag } from "./support";

const P = "proj-1";
const D = "recovery";

test("stream to BigQuery killed after the insert, before the commit, replayed past the insertId minute: the _once views hold the JSON-lines outputs", { timeout: 300_000 }, async () => {
  const fake = await FakeBigQuery.start();
  try {
    await withStreamInput(21, async (file, out) => {
      const args = [...streamArgs(file, out), "--bigquery", `${P}.${D}`];
      const env = { BIGQUERY_EMULATOR_HOST: `${fake.endpoint}/bigquery/v2` };
      const killed = await cli(args, { ...env, RECOVER_FAULT: "after_output_before_state", RECOVER_FAULT_AFTER: "30" });
      assert.equal(killed.signal, "SIGKILL", `the fault point was reached: ${killed.stderr}`);
      fake.forgetInsertIds();
      const again = await cli(args, env);
      assert.equal(again.code, 0, again.stderr);

      const events = readJsonl<{ event_id: string; timestamp: string }>(path.join(out, "events.jsonl"));
      const flags = readJsonl<Flag>(path.join(out, "flags.jsonl"));
      const dead = readJsonl<{ line: number; error_code: string }>(path.join(out, "dead_letter.jsonl"));
      const raw = { events: fake.rows(P, D, "events"), flags: fake.rows(P, D, "flags"), dead: fake.rows(P, D, "dead_letter") };
      assert.ok(raw.events.length + raw.flags.length + raw.dead.length > events.length + flags.length + dead.length, "the replayed batch is in the tables twice");

      const instance = await DuckDBInstance.create(":memory:");
      const con = await instance.connect();
      try {
        await loadRows(con, "events", "events", raw.events);
        await loadRows(con, "flags", "flags", raw.flags);
        await loadRows(con, "dead_letter", "deadLetters", raw.dead);
        const sorted = (xs: string[]) => [...xs].sort();
        assert.deepEqual(
          sorted(await readOnce(con, "events", "events", ["event_id", "epoch_ms(event_time)"])),
          sorted(events.map((e) => `${e.event_id}|${Date.parse(e.timestamp)}`)),
          "events_once: each event of events.jsonl once",
        );
        assert.deepEqual(await readOnce(con, "flags", "flags", ["flag_id"]), sorted(flags.map((f) => f.flag_id)), "flags_once: each flag of flags.jsonl once");
        assert.deepEqual(
          sorted(await readOnce(con, "dead_letter", "deadLetters", ["line", "error_code"])),
          sorted(dead.map((d) => `${d.line}|${d.error_code}`)),
          "dead_letter_once: each dead letter once",
        );
      } finally {
        con.closeSync();
        instance.closeSync();
      }
    });
  } finally {
    await fake.close();
  }
});
