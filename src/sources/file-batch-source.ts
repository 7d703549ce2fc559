import { readFileLines } from "./jsonl-file";

/** One input line of a micro-batch source. */
export interface BatchLine {
  readonly line: Buffer;
}

/**
 * A JSON-lines file (or stdin spooled to one) as a micro-batch source: `next(n)` returns the
 * next n lines; `ack` does nothing (the file is the record); `nack` puts the lines back in
 * front, in their order, so the next `next` returns them again (as Pub/Sub redelivers). Lets
 * the streaming loop, its state and its memory bounds be run and measured without Pub/Sub.
 */
export class FileBatchSource {
  readonly #lines: Generator<{ line: number; bytes: Buffer }>;
  /** Nacked lines, returned before the file's next ones. */
  #returned: BatchLine[] = [];
  #done = false;

  constructor(path: string) {
    this.#lines = readFileLines(path);
  }

  get exhausted(): boolean {
    return this.#done && this.#returned.length === 0;
  }

  async next(maxMessages: number, _maxWaitMs: number): Promise<BatchLine[]> {
    const out: BatchLine[] = this.#returned.splice(0, maxMessages);
    while (out.length < maxMessages && !this.#done) {
      const r = this.#lines.next();
      if (r.done === true) {
        this.#done = true;
        break;
      }
      out.push({ line: Buffer.from(r.value.bytes) });
    }
    return out;
  }

  /** Skips the first `lines` lines (already consumed by a committed state). */
  skip(lines: number): void {
    for (let i = 0; i < lines; i++) if (this.#lines.next().done === true) break;
  }

  async ack(_batch: ReadonlyArray<BatchLine>): Promise<void> {}
  async nack(batch: ReadonlyArray<BatchLine>): Promise<void> {
    this.#returned = [...batch, ...this.#returned];
  }
  async close(): Promise<void> {
    this.#lines.return(undefined);
  }
}
