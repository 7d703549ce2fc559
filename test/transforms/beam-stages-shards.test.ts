import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config";
import type { ReceivedEvent } from "../../src/event";
import type { Finding } from "../../src/flag";
import * as stages from "../../src/transforms/beam-stages";
import { dropDetectorState } from "../../src/streaming/detector-state";
import { dropStats, statsFor } from "../../src/pipelines/run-stats";
import { ev, min } from "../support/events";

const config = parseConfig({});
const clock = { ms: min(24 * 60), final: true };

/** Events of many chain keys and business keys, some complete, some missing steps, some repeated. */
function sample(): ReceivedEvent[] {
  const out: ReceivedEvent[] = [];
  const types = ["card.scanned", "lead.created", "crm.synced", "followup.sent"];
  for (let lead = 0; lead < 300; lead++) {
    for (let step = 0; step < types.length; step++) {
      if ((lead + step) % 7 === 0) continue; // a missing step
      const late = lead % 11 === 0 ? 120 : 0;
      out.push(ev({ id: `e-${lead}-${step}`, type: types[step], t: min(lead + step * 3 + late), data: { lead_id: `L${lead}` } }));
    }
  }
  for (let i = 0; i < 200; i++) out.push(ev({ id: `d-${i}`, type: "discount.issued", t: min(i), data: { user_id: `u${i % 70}`, program: i % 2 === 0 ? "spring" : "fall" } }));
  return out;
}

function byKeyGroups<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [item]);
    else list.push(item);
  }
  return groups;
}

const ids = (fs: Finding[]) => fs.map((f) => f.flag_id).sort();

test("shardOf is deterministic and within KEY_SHARDS", () => {
  for (const key of ["", "a", JSON.stringify([0, "L1"]), "\u00e9\u{1f600}"]) {
    const s = stages.shardOf(key);
    assert.equal(s, stages.shardOf(key));
    assert.ok(Number.isInteger(s) && s >= 0 && s < stages.KEY_SHARDS);
  }
});

test("batches keeps order and size; empty input gives no batch", () => {
  const items = Array.from({ length: 10 }, (_, i) => i);
  assert.deepEqual(stages.batches(items, 4), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.deepEqual(stages.batches(items, 10), [items]);
  assert.deepEqual(stages.batches([], 4), []);
});

test("chains: sharded batches give the same findings and pending deadlines as a shuffle by key", () => {
  const events = sample();
  const byKey = byKeyGroups(events.flatMap((e) => stages.chainMemberships(e, config, "r-key")), (m) => m.key);
  const keyFindings: Finding[] = [];
  for (const [key, members] of byKey) keyFindings.push(...stages.runChainGroup({ key, value: members }, clock, config, "r-key", "s-key"));

  const shards = stages.batches(events, 97).flatMap((b) => stages.chainMembershipShards(b, config, "r-shard"));
  const byShard = byKeyGroups(shards, stages.shardKey);
  assert.ok(byShard.size > 1, "several shards");
  const shardFindings: Finding[] = [];
  for (const [key, parts] of byShard) shardFindings.push(...stages.runChainShard({ key, value: parts }, clock, config, "r-shard", "s-shard"));

  assert.ok(keyFindings.length > 0);
  assert.deepEqual(ids(shardFindings), ids(keyFindings));
  assert.equal(statsFor("r-shard").pending_deadlines, statsFor("r-key").pending_deadlines);
  for (const id of ["r-key", "r-shard"]) dropStats(id);
  for (const id of ["s-key", "s-shard"]) dropDetectorState(id);
});

test("business keys: sharded batches give the same findings as a shuffle by key", () => {
  const events = sample();
  const byKey = byKeyGroups(events.flatMap((e) => stages.businessKeyMemberships(e, config, "test-run")), (m) => m.key);
  const keyFindings: Finding[] = [];
  for (const [key, members] of byKey) keyFindings.push(...stages.runBusinessKeyGroup({ key, value: members }, config, "r-key", "s-key"));

  const shards = stages.batches(events, 53).flatMap((b) => stages.businessKeyMembershipShards(b, config, "test-run"));
  const shardFindings: Finding[] = [];
  for (const [key, parts] of byKeyGroups(shards, stages.shardKey)) shardFindings.push(...stages.runBusinessKeyShard({ key, value: parts }, config, "r-shard", "s-shard"));

  assert.ok(keyFindings.length > 0);
  assert.deepEqual(ids(shardFindings), ids(keyFindings));
  for (const id of ["r-key", "r-shard"]) dropStats(id);
  for (const id of ["s-key", "s-shard"]) dropDetectorState(id);
});
