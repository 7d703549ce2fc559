/**
 * Hand-made probe events mixed into a generated file so that faults straddle micro-batches
 * whatever the batch boundaries are (the generated data alone cannot: a batch of 1,000 of its
 * lines covers ~3.4 h of event time, more than any chain's deadlines).
 *
 * - `probe-sparse`: sequence 1 near line `sparseAt`, 3 near line `sparseAt + 10,000`, 2 never
 *   (a gap whose neighbours are >= 2 batches apart); an exact copy of sequence 1 is written
 *   1,500 lines after it (a duplicate whose original is in an earlier batch).
 * - `probe-filler`: 4,800 events one second apart from the time of line `fillAt`, merged into
 *   the file in event-time order (so 1,000 messages cover ~15 min of event time there).
 *   Sequence FILL_LATE is written 2,600 filler lines (~43 min of event time) after its place
 *   (in streaming: a gap declared, then `gap_filled` >= 2 batches later); FILL_LOST never.
 * - `probe-chain`: lead PROBE_LEAD walks the whole chain within its deadlines
 *   (scan, +4 min lead.created, +14 min crm.synced, +55 min followup.sent), spread over the
 *   filler stretch: a chain completed several batches after it started.
 */
import * as crypto from "crypto";

export const FILL_LATE = 1_000;
export const FILL_LOST = 2_000;
export const FILLERS = 4_800;
export const PROBE_LEAD = "lead-probe-000001";

export interface ProbeInfo {
  /** Event ids of the probes (by role) for the straddle checks. */
  readonly sparse1: string;
  readonly sparse3: string;
  readonly fillLate: string;
  readonly fillBeforeLate: string;
  readonly chain: readonly string[];
}

function ts(line: Buffer): number | null {
  const m = /"timestamp":"([^"]+)"/.exec(line.toString("latin1", 0, Math.min(line.length, 400)));
  if (m === null) return null;
  const t = Date.parse(m[1]);
  return Number.isFinite(t) ? t : null;
}

function uuid(seed: string): string {
  const h = crypto.createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function ev(source: string, seq: number, t: number, type: string, data: Record<string, unknown>): { id: string; line: string } {
  const id = uuid(`${source}/${seq}/${type}`);
  return { id, line: JSON.stringify({ event_id: id, source, sequence: seq, timestamp: new Date(t).toISOString(), event_type: type, data }) };
}

/** The generated lines with the probes inserted; also returns the probes' ids. */
export function withProbes(lines: ReadonlyArray<Buffer>, sparseAt: number, fillAt: number): { lines: Buffer[]; info: ProbeInfo } {
  const timeAt = (i: number): number => {
    for (let j = i; j < lines.length; j++) {
      const t = ts(lines[j]);
      if (t !== null) return t;
    }
    throw new Error("no timestamp after line " + i);
  };
  /** After-index -> lines to insert after that generated line (in order). */
  const after = new Map<number, string[]>();
  const put = (i: number, line: string) => after.set(i, [...(after.get(i) ?? []), line]);

  const s1 = ev("probe-sparse", 1, timeAt(sparseAt), "probe.tick", { n: 1 });
  const s3 = ev("probe-sparse", 3, timeAt(sparseAt + 10_000), "probe.tick", { n: 3 });
  put(sparseAt, s1.line);
  put(sparseAt + 1_500, s1.line);
  put(sparseAt + 10_000, s3.line);

  // Timed probes: fillers and chain steps, merged by event time from line fillAt on.
  const t0 = timeAt(fillAt);
  const timed: Array<{ t: number; id: string; line: string; seq: number }> = [];
  for (let i = 1; i <= FILLERS; i++) {
    const f = ev("probe-filler", i, t0 + i * 1_000 + 500, "probe.filler", { n: i });
    timed.push({ t: t0 + i * 1_000 + 500, ...f, seq: i });
  }
  const lead = PROBE_LEAD;
  const steps: Array<[number, string, Record<string, unknown>]> = [
    [10_000, "card.scanned", { lead_id: lead, event: "probe-expo", booth: "P1", ocr_confidence: 0.9 }],
    [10_000 + 4 * 60_000, "lead.created", { lead_id: lead, contact: { name: "Probe Person", email: "probe.person@example.com", phone: "+15550000001" }, owner: "rep-1", score: 50 }],
    [10_000 + 18 * 60_000, "crm.synced", { lead_id: lead, crm: "hubspot", crm_record_id: "99999999" }],
    [10_000 + 73 * 60_000, "followup.sent", { lead_id: lead, channel: "email", template: "probe" }],
  ];
  const chainIds: string[] = [];
  steps.forEach(([dt, type, data], k) => {
    const c = ev("probe-chain", k + 1, t0 + dt, type, data);
    chainIds.push(c.id);
    timed.push({ t: t0 + dt, ...c, seq: -1 });
  });
  timed.sort((a, b) => a.t - b.t);
  const lateFill = timed.find((x) => x.seq === FILL_LATE && x.id.length > 0)!;
  const beforeLate = timed.find((x) => x.seq === FILL_LATE - 1)!;
  let k = 0;
  let fillersSeen = 0;
  const pendingLate: string[] = [];
  for (let i = fillAt; i < lines.length && k < timed.length; i++) {
    const t = ts(lines[i]);
    if (t === null) continue;
    while (k < timed.length && timed[k].t <= t) {
      const p = timed[k++];
      if (p.seq === FILL_LOST) continue;
      if (p.seq === FILL_LATE) {
        pendingLate.push(p.line);
        continue;
      }
      if (p.seq > 0) fillersSeen += 1;
      put(i - 1, p.line);
      if (p.seq > 0 && fillersSeen === FILL_LATE + 2_600) put(i - 1, pendingLate.splice(0)[0]);
    }
  }
  if (k < timed.length || pendingLate.length > 0) throw new Error("probes did not all fit in the file");

  const out: Buffer[] = [];
  for (let i = 0; i < lines.length; i++) {
    out.push(lines[i]);
    for (const l of after.get(i) ?? []) out.push(Buffer.from(l, "utf8"));
  }
  return { lines: out, info: { sparse1: s1.id, sparse3: s3.id, fillLate: lateFill.id, fillBeforeLate: beforeLate.id, chain: chainIds } };
}
