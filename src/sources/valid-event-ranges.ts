/**
 * Where the valid events of an input file lie in it, reported by the read stage as it
 * validates, so another thread can start on their bytes long before the pipeline releases the
 * events (a bounded run releases them at its end). The DuckDB load uses it (duckdb-overlapped.ts).
 *
 * A listener registered for an input path receives, in arrival order, batches of triples
 * `[line, start, end]`: the line number (as in `ReceivedEvent.line`) and the file offsets of the
 * bytes `raw` was decoded from (`[start, end)`: no byte order mark, no trailing `\r`, no `\n`).
 * Then `done` once the input has been read to its end. Module state keyed by path, so the read
 * DoFn reaches it by reference on the direct runner.
 */
export interface ValidRangeListener {
  /** A batch of `count` triples in `triples[0, 3 * count)`; the array is the listener's to keep. */
  batch(triples: Float64Array, count: number): void;
  /** The read reached the end of the input: no more batches. */
  done(): void;
}

/** Triples per batch handed to a listener. */
export const RANGES_PER_BATCH = 16384;

const listeners = new Map<string, ValidRangeListener>();

/** Reports the valid events of `input` to `listener`; null removes it. */
export function onValidRanges(input: string, listener: ValidRangeListener | null): void {
  if (listener === null) listeners.delete(input);
  else listeners.set(input, listener);
}

/** Collects the triples of one read of `input` (null when nobody listens). */
export class ValidRangeRecorder {
  #triples = new Float64Array(3 * RANGES_PER_BATCH);
  #count = 0;

  private constructor(private readonly listener: ValidRangeListener) {}

  static forInput(input: string): ValidRangeRecorder | null {
    const listener = listeners.get(input);
    return listener === undefined ? null : new ValidRangeRecorder(listener);
  }

  add(line: number, start: number, end: number): void {
    const at = 3 * this.#count;
    this.#triples[at] = line;
    this.#triples[at + 1] = start;
    this.#triples[at + 2] = end;
    if (++this.#count === RANGES_PER_BATCH) this.#emit();
  }

  /** Hands over the rest and says the input has ended. */
  end(): void {
    if (this.#count > 0) this.#emit();
    this.listener.done();
  }

  #emit(): void {
    this.listener.batch(this.#triples, this.#count);
    this.#triples = new Float64Array(3 * RANGES_PER_BATCH);
    this.#count = 0;
  }
}
