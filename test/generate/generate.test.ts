import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { defaultTruthPath, generate, type GenerateSummary } from "../../src/generate";

const dir = mkdtempSync(join(tmpdir(), "gen-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const NOW = new Date("2026-03-15T12:00:00.000Z");
const DAY = 86_400_000;

function run(name: string, events: number, seed: number, now = NOW): GenerateSummary {
  return generate({ events, seed, now, out: join(dir, `${name}.jsonl`) });
}

function lines(path: string): string[] {
  const text = readFileSync(path, "utf8");
  return text === "" ? [] : text.slice(0, -1).split("\n");
}

type Obj = Record<string, unknown>;

/** The 20k-event run most tests read (generated once). */
const big = run("big", 20_000, 2026);
const bigLines = lines(big.out);
const bigTruth = lines(big.truth).map((l) => JSON.parse(l) as Obj);
const deadLines = new Map(bigTruth.filter((r) => r.kind === "dead_letter").map((r) => [r.line as number, r.error_code as string]));

test("same seed and now give byte-identical files; another seed or now does not", () => {
  const a = run("a", 5_000, 11);
  const b = run("b", 5_000, 11);
  const c = run("c", 5_000, 12);
  const d = run("d", 5_000, 11, new Date(NOW.getTime() + 3_600_000));
  assert.ok(readFileSync(a.out).equals(readFileSync(b.out)));
  assert.ok(readFileSync(a.truth).equals(readFileSync(b.truth)));
  assert.ok(!readFileSync(a.out).equals(readFileSync(c.out)));
  assert.ok(!readFileSync(a.out).equals(readFileSync(d.out)));
});

test("the file has exactly the requested number of lines (copies and bad lines included, lost events not)", () => {
  assert.equal(bigLines.length, 20_000);
  assert.equal(big.lines, 20_000);
  for (const n of [0, 1, 7, 99, 100, 1_234]) assert.equal(lines(run(`n${n}`, n, 5).out).length, n, `n=${n}`);
});

test("truth path defaults to .truth.jsonl next to the events file", () => {
  assert.equal(defaultTruthPath("/x/events.jsonl"), "/x/events.truth.jsonl");
  assert.equal(defaultTruthPath("/x/events.txt"), "/x/events.txt.truth.jsonl");
  assert.equal(big.truth, join(dir, "big.truth.jsonl"));
  const custom = join(dir, "custom-truth.jsonl");
  assert.equal(generate({ events: 200, seed: 1, now: NOW, out: join(dir, "custom.jsonl"), truthOut: custom }).truth, custom);
  assert.ok(readFileSync(custom, "utf8").length > 0);
});

test("every line parses except the injected malformed_json lines", () => {
  bigLines.forEach((text, i) => {
    const line = i + 1;
    let ok = true;
    try {
      JSON.parse(text);
    } catch {
      ok = false;
    }
    assert.equal(ok, deadLines.get(line) !== "malformed_json", `line ${line}: ${text.slice(0, 80)}`);
  });
});

test("valid events have the envelope, times in (now-14d, now], a daily rhythm", () => {
  const zeroDurations = new Set(bigTruth.filter((r) => r.kind === "zero_duration").map((r) => String(r.event_id)));
  const restarts = new Set(bigTruth.filter((r) => r.lookalike === "counter_restart").map((r) => String(r.event_id)));
  const perHour = new Array<number>(24).fill(0);
  bigLines.forEach((text, i) => {
    if (deadLines.has(i + 1)) return;
    const e = JSON.parse(text) as Obj;
    assert.deepEqual(Object.keys(e), ["event_id", "source", "sequence", "timestamp", "event_type", "data"]);
    assert.match(String(e.event_id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(Number.isInteger(e.sequence) && ((e.sequence as number) >= 1000 || (restarts.has(String(e.event_id)) && e.sequence === 1)));
    assert.match(String(e.timestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const t = Date.parse(String(e.timestamp));
    assert.ok(t <= NOW.getTime() && t > NOW.getTime() - 14 * DAY && t > NOW.getTime() - 29 * DAY, String(e.timestamp));
    perHour[new Date(t).getUTCHours()]++;
    const data = e.data as Obj;
    if (e.event_type === "call.completed") assert.ok((data.duration_s as number) > 0 || zeroDurations.has(String(e.event_id)));
    if (e.event_type === "order.paid") assert.ok((data.amount as number) > 0 && Array.isArray(data.items));
    if (e.event_type === "lead.created") assert.equal(typeof (data.contact as Obj).email, "string");
  });
  const afternoon = perHour[13] + perHour[14] + perHour[15] + perHour[16];
  const night = perHour[1] + perHour[2] + perHour[3] + perHour[4];
  assert.ok(afternoon > 5 * night, `afternoon ${afternoon}, night ${night}`);
});

test("bad lines are where the truth says and carry no sequence", () => {
  assert.equal(deadLines.size, big.dead_letters);
  const codes = new Set(deadLines.values());
  for (const code of ["malformed_json", "schema", "timestamp_invalid", "timestamp_future", "timestamp_stale", "numeric_invalid"]) assert.ok(codes.has(code), code);
  for (const [line] of deadLines) {
    const text = bigLines[line - 1];
    assert.ok(text.includes('"broken-producer"'), text);
    assert.ok(!text.includes('"sequence"'), text);
  }
});

test("each source numbers its events +1 in event-time order (except reused numbers)", () => {
  const reused = new Set(bigTruth.filter((r) => r.kind === "sequence_reused").map((r) => r.event_id));
  const lost = new Set(bigTruth.filter((r) => r.kind === "sequence_gap").flatMap((r) => {
    const out: string[] = [];
    for (let n = r.from as number; n <= (r.to as number); n++) out.push(`${String(r.source)}#${n}`);
    return out;
  }));
  const bySource = new Map<string, Array<{ t: number; seq: number; id: string }>>();
  const seenIds = new Set<string>();
  bigLines.forEach((text, i) => {
    if (deadLines.has(i + 1)) return;
    const e = JSON.parse(text) as Obj;
    if (seenIds.has(String(e.event_id)) || reused.has(e.event_id)) return;
    seenIds.add(String(e.event_id));
    const list = bySource.get(String(e.source)) ?? [];
    list.push({ t: Date.parse(String(e.timestamp)), seq: e.sequence as number, id: String(e.event_id) });
    bySource.set(String(e.source), list);
  });
  assert.ok(bySource.size >= 9, [...bySource.keys()].join());
  const restarts = new Set(bigTruth.filter((r) => r.lookalike === "counter_restart").map((r) => String(r.event_id)));
  assert.ok(restarts.size > 0, "the sample has counter restarts");
  for (const [source, list] of bySource) {
    list.sort((a, b) => a.t - b.t || a.seq - b.seq);
    for (let i = 1; i < list.length; i++) {
      if (restarts.has(list[i].id)) {
        // a redeployed kiosk: numbered 1 again, half an hour or more after its previous event
        assert.ok(source.startsWith("kiosk-") && list[i].seq === 1 && list[i - 1].seq >= 1000, `${source} ${list[i].id}`);
        assert.ok(list[i].t - list[i - 1].t >= 30 * 60_000, `${source} ${list[i].id}: restart too soon`);
        continue;
      }
      assert.ok(list[i].seq > list[i - 1].seq, `${source} ${list[i].id}`);
      for (let n = list[i - 1].seq + 1; n < list[i].seq; n++) assert.ok(lost.has(`${source}#${n}`), `${source}#${n} missing but not in truth`);
    }
  }
});

test("the lines are roughly, not strictly, in time order", () => {
  const times = bigLines.filter((_, i) => !deadLines.has(i + 1)).map((l) => Date.parse(String((JSON.parse(l) as Obj).timestamp)));
  let inversions = 0;
  let maxBack = 0;
  for (let i = 1; i < times.length; i++) {
    if (times[i] < times[i - 1]) inversions++;
    maxBack = Math.max(maxBack, times[i - 1] - times[i]);
  }
  assert.ok(inversions > 0);
  assert.ok(maxBack <= 11 * 60_000, `max step back ${maxBack} ms`);
});

test("at 20k events the truth has at least 10 of every fault kind and look-alike", () => {
  const count = (f: (r: Obj) => boolean): number => bigTruth.filter(f).length;
  for (const kind of ["duplicate", "near_duplicate", "sequence_gap", "sequence_reused", "missing_upstream", "missing_downstream", "late_step", "duplicate_business_key", "dead_letter"]) {
    assert.ok(count((r) => r.kind === kind) >= 10, `${kind}: ${count((r) => r.kind === kind)}`);
  }
  for (const name of ["repeat_over_1s", "reordered", "late_in_file", "other_program_discount"]) {
    assert.ok(count((r) => r.lookalike === name) >= 10, name);
  }
  const faults = count((r) => typeof r.kind === "string");
  assert.ok(faults >= 0.005 * 20_000 && faults <= 0.015 * 20_000, `faults ${faults}`);
});

test("an existing events file is truncated, not appended to", () => {
  const out = join(dir, "again.jsonl");
  writeFileSync(out, "x".repeat(10_000_000));
  generate({ events: 300, seed: 3, now: NOW, out });
  assert.equal(lines(out).length, 300);
});
