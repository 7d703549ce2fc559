import { TimeHeap, type Timed } from "./heap";
import type { Data } from "./payloads";
import type { Rng } from "./prng";
import type { LookalikeName, TruthRecord } from "./truth";
import type { LineWriter } from "./writer";

/** An event waiting for its event time to be reached. */
export interface PendingEvent {
  readonly at: number;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly data: Data;
  /** Lost: gets a sequence number (in time order) but is never written. */
  readonly lost?: boolean;
  /** Sequence reuse: takes this (earlier) event's number instead of a fresh one. */
  readonly reuseOf?: PendingEvent;
  /** Exact copies written after the original line (each 1 s..10 min later in the file). */
  readonly copies?: number;
  /** Extra delay (ms) before the line reaches the file, beyond the normal 0..3 s jitter. */
  readonly fileDelay?: number;
  /** The source's counter stands at this number at this event (a new producer's start, or a restart). */
  readonly counterFrom?: number;
  /** Look-alike to record with this event's sequence once it has one. */
  readonly lookalike?: LookalikeName;
  /** Assigned on release. */
  seq?: number;
}

interface Queued extends Timed {
  readonly event: PendingEvent;
}

interface Line extends Timed {
  readonly text: string;
  /** Expected error code when this is a bad line. */
  readonly deadCode?: string;
}

/** Normal file-order jitter: each line is written up to this many ms after its event time. */
const JITTER_MS = 3_000;

/**
 * Turns pending events into lines. Releases events in event-time order (ties in push
 * order), numbering each source's events +1 from a random start in release order (or from an
 * event's `counterFrom`), then
 * writes lines in order of (event time + jitter + extra delay), which shuffles the file
 * within windows of a few seconds. Records lost numbers and per-source min/max, so gaps
 * can be computed exactly at the end, and the watermark (largest written event time).
 */
export class Emitter {
  private readonly events = new TimeHeap<Queued>();
  private readonly lines = new TimeHeap<Line>();
  private readonly next = new Map<string, number>();
  private readonly seen = new Map<string, { min: number; max: number }>();
  private readonly lostBySource = new Map<string, number[]>();
  private order = 0;
  private released = Number.NEGATIVE_INFINITY;
  /** Largest event time of a written valid event (the detectors' final watermark). */
  watermark = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly rng: Rng,
    private readonly out: LineWriter,
    private readonly truth: (record: TruthRecord) => void,
  ) {}

  /** Schedules an event; its time must be >= the last `advance` time. */
  push(event: PendingEvent): void {
    this.events.push({ at: event.at, order: this.order++, event });
  }

  /** Schedules a bad line at file position `at` (must be >= the last `advance` time). */
  pushDeadLetter(text: string, code: string, at: number): void {
    this.lines.push({ at, order: this.order++, text, deadCode: code });
  }

  /** Releases every event with time <= `until` and writes lines that can no longer move. */
  advance(until: number): void {
    for (let q = this.events.peek(); q !== undefined && q.at <= until; q = this.events.peek()) {
      this.events.pop();
      this.release(q.event);
    }
    for (let l = this.lines.peek(); l !== undefined && l.at < this.released; l = this.lines.peek()) {
      this.lines.pop();
      this.writeLine(l);
    }
  }

  /** Releases and writes everything, then returns the gap ranges (source, from, to). */
  finish(): Array<{ source: string; from: number; to: number }> {
    this.advance(Number.POSITIVE_INFINITY);
    for (let l = this.lines.pop(); l !== undefined; l = this.lines.pop()) this.writeLine(l);
    const gaps: Array<{ source: string; from: number; to: number }> = [];
    for (const [source, numbers] of this.lostBySource) {
      const range = this.seen.get(source);
      if (range === undefined) continue;
      const inside = numbers.filter((n) => n > range.min && n < range.max).sort((a, b) => a - b);
      for (let i = 0; i < inside.length; ) {
        let j = i;
        while (j + 1 < inside.length && inside[j + 1] === inside[j] + 1) j++;
        gaps.push({ source, from: inside[i], to: inside[j] });
        i = j + 1;
      }
    }
    return gaps;
  }

  private release(e: PendingEvent): void {
    this.released = e.at;
    if (e.reuseOf !== undefined && e.reuseOf.seq !== undefined) {
      e.seq = e.reuseOf.seq;
    } else {
      const n = e.counterFrom ?? this.next.get(e.source) ?? this.rng.int(1_000, 90_000);
      this.next.set(e.source, n + 1);
      e.seq = n;
    }
    if (e.lost) {
      const list = this.lostBySource.get(e.source) ?? [];
      list.push(e.seq);
      this.lostBySource.set(e.source, list);
      return;
    }
    const range = this.seen.get(e.source);
    if (range === undefined) this.seen.set(e.source, { min: e.seq, max: e.seq });
    else {
      range.min = Math.min(range.min, e.seq);
      range.max = Math.max(range.max, e.seq);
    }
    this.watermark = Math.max(this.watermark, e.at);
    if (e.lookalike !== undefined) this.truth({ lookalike: e.lookalike, event_id: e.id, source: e.source, sequence: e.seq });
    const text =
      `{"event_id":${JSON.stringify(e.id)},"source":${JSON.stringify(e.source)},"sequence":${e.seq},` +
      `"timestamp":"${new Date(e.at).toISOString()}","event_type":${JSON.stringify(e.type)},"data":${JSON.stringify(e.data)}}`;
    const key = e.at + this.rng.int(0, JITTER_MS) + (e.fileDelay ?? 0);
    this.lines.push({ at: key, order: this.order++, text });
    for (let c = 1; c <= (e.copies ?? 0); c++) {
      this.lines.push({ at: key + c * this.rng.int(1_000, 300_000), order: this.order++, text });
    }
  }

  private writeLine(l: Line): void {
    this.out.write(l.text);
    if (l.deadCode !== undefined) this.truth({ kind: "dead_letter", line: this.out.lines, error_code: l.deadCode });
  }
}
