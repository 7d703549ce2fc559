/**
 * The transforms as a library user composes them (README, "As a library"): imported from the
 * package's entry, applied to PCollections on the DirectRunner. The findings must be the
 * in-process reference's (`recoverInProcess`) on the same lines, each fault below among them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as beam from "apache-beam";
import { P } from "apache-beam/pvalue";
import { directRunner } from "apache-beam/runners/direct_runner";
import { requireForSerialization } from "apache-beam/serialization";
import * as lib from "../../src/index";
import { recoverInProcess } from "../../src/pipelines/recover-in-process";
import * as sink from "../support/collect";

requireForSerialization(`${__dirname}/../support/collect`, sink);

const NOW = Date.parse("2026-11-25T12:00:00Z");
const T0 = NOW - 6 * 3_600_000;
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const line = (id: string, source: string, sequence: number, minutes: number, type: string, data: Record<string, unknown>) =>
  JSON.stringify({ event_id: id, source, sequence, timestamp: at(minutes), event_type: type, data });

const LINES = [
  line("scan-1", "scanner", 1, 0, "card.scanned", { lead_id: "L1" }),
  line("scan-1", "scanner", 1, 0, "card.scanned", { lead_id: "L1" }), // an exact copy: duplicate
  line("lead-1", "lead-service", 1, 1, "lead.created", { lead_id: "L1" }),
  line("scan-3", "scanner", 3, 2, "card.scanned", { lead_id: "L2" }), // scanner #2 lost: sequence_gap; L2's lead.created never comes
  line("sync-1", "crm", 1, 3, "crm.synced", { lead_id: "L1" }), // L1's followup.sent never comes
  line("disc-1", "ambassador", 1, 10, "discount.issued", { user_id: "u1", program: "p" }),
  line("disc-2", "ambassador", 2, 20, "discount.issued", { user_id: "u1", program: "p" }), // a second discount: duplicate_business_key
  line("late-1", "ambassador", 3, 180, "discount.issued", { user_id: "u2", program: "p" }), // moves the watermark past the deadlines
];

test("recoverPerSource, checkDependencyChains, enforceUniqueBusinessKeys and detectAnomalies composed by hand: the reference's findings", async () => {
  const config = lib.parseConfig({});
  const ctx = { config, nowMs: NOW, keyPaths: lib.keyPaths(config) };
  const events = LINES.map((l, i) => lib.validateLine(Buffer.from(l), i + 1, ctx)).flatMap((v) => (v.kind === "event" ? [v.event] : []));
  assert.equal(events.length, LINES.length);
  const clock: lib.Watermark = { ms: Math.max(...events.map((e) => e.event_time)), final: true };
  sink.collected.clear();

  await directRunner().run((root) => {
    const input = root.apply(beam.withName("Events", beam.create(events)));
    const watermark = root.apply(beam.withName("Clock", beam.create([clock])));
    const stage = { config, watermark, stateId: "library-test", runId: "library-test" };
    const { kept, findings, counts } = lib.recoverPerSource(stage)(input);
    const chainFlags = lib.checkDependencyChains(stage)(kept);
    const keyFlags = lib.enforceUniqueBusinessKeys(stage)(kept);
    const anomalyFlags = lib.detectAnomalies(stage)(counts);
    P([findings, chainFlags, keyFlags, anomalyFlags])
      .apply(beam.withName("AllFindings", beam.flatten<lib.Finding>()))
      .map(beam.withName("CollectFindings", (f: lib.Finding) => sink.collect("findings", f)));
    kept.map(beam.withName("CollectKept", (e: lib.ReceivedEvent) => sink.collect("kept", e.event_id)));
  });

  const findings = (sink.collected.get("findings") ?? []) as lib.Finding[];
  const summary = findings.map((f) => `${f.kind} ${f.event_id ?? f.key ?? f.source}`).sort();
  assert.deepEqual(summary, [
    "duplicate scan-1",
    "duplicate_business_key disc-2",
    "missing_downstream scan-3",
    "missing_downstream sync-1",
    "sequence_gap scanner",
  ], JSON.stringify(findings, null, 1));
  assert.deepEqual(((sink.collected.get("kept") ?? []) as string[]).sort(), ["disc-1", "disc-2", "late-1", "lead-1", "scan-1", "scan-3", "sync-1"]);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "library-"));
  try {
    fs.writeFileSync(path.join(dir, "in.jsonl"), LINES.join("\n") + "\n");
    const reference = recoverInProcess(path.join(dir, "in.jsonl"), config, NOW, null);
    assert.deepEqual(findings.map((f) => f.flag_id).sort(), reference.findings.map((f) => f.flag_id).sort(), "the in-process reference's flag ids");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
