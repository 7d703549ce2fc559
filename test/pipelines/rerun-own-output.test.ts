/**
 * "Running the pipeline on its own output changes nothing": `recover run` on the events.jsonl
 * of a run writes the same events. Near-duplicates are judged before corrections, so a
 * correction can make an event's data equal to a neighbour's (an amount corrected to its items'
 * total, a swapped contact put back); before, the second run then discarded the neighbour as a
 * near_duplicate of the corrected event, losing a kept event.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "recover.js");
const NOW = "2026-11-25T12:00:00Z";

function run(input: string, out: string): void {
  const r = spawnSync(process.execPath, [BIN, "run", "--input", input, "--out", out, "--now", NOW, "--no-duckdb", "--quiet"], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
}

const sortedLines = (file: string): string[] => fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "").sort();

test("recover run on its own events output keeps every event, also where a correction made two events' data equal", { timeout: 300_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rerun-own-output-"));
  try {
    const e = (id: string, type: string, t: string, data: unknown) => JSON.stringify({ event_id: id, source: "shop", timestamp: t, event_type: type, data });
    const input = path.join(dir, "in.jsonl");
    fs.writeFileSync(
      input,
      [
        // amount corrected to the items' total (54.97): then equal to B's data, 500 ms later
        e("A", "order.paid", "2026-11-20T00:00:00.000Z", { amount: 59.97, items: [{ unit_price: 54.97, quantity: 1 }] }),
        e("B", "order.paid", "2026-11-20T00:00:00.500Z", { amount: 54.97, items: [{ unit_price: 54.97, quantity: 1 }] }),
        // phone and email swapped back: then equal to D's contact, 300 ms later
        e("C", "contact.saved", "2026-11-20T00:01:00.000Z", { contact: { phone: "a@b.com", email: "+15551234567" } }),
        e("D", "contact.saved", "2026-11-20T00:01:00.300Z", { contact: { phone: "+15551234567", email: "a@b.com" } }),
      ].join("\n") + "\n",
    );
    run(input, path.join(dir, "first"));
    const first = sortedLines(path.join(dir, "first", "events.jsonl"));
    assert.equal(first.length, 4);
    run(path.join(dir, "first", "events.jsonl"), path.join(dir, "second"));
    assert.deepEqual(sortedLines(path.join(dir, "second", "events.jsonl")), first);
    const kinds = sortedLines(path.join(dir, "second", "flags.jsonl")).map((l) => (JSON.parse(l) as { kind: string }).kind);
    assert.deepEqual(kinds, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
