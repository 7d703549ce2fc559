import { readFileLines } from "./jsonl-file";

/** One input line of a micro-batch source. */
export interface BatchLine {
  readonly line: Buffer;
}

/**
 * A JSON-lines file (or stdin spooled to one) as a micro-batch source: `next(n)` returns the
 * next n lines; `ack` and `nack` do nothing (the file is the record). Lets the streaming loop,
 * its state and its memory bounds be run and measured without Pub/Sub.
 */
export class FileBatchSource {
  readonly #lines: Generator<{ line: number; bytes: Buffer }>;
  #done = false;

  constructor(path: string) {
    this.#lines = readFileLines(path);
  }

  get exhausted(): boolean {
    return this.#done;
  }

  async next(maxMessages: number, _maxWaitMs: number): Promise<BatchLine[]> {
    const out: BatchLine[] = [];
    while (out.length < maxMessages) {
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
  async nack(_batch: ReadonlyArray<BatchLine>): Promise<void> {}
  async close(): Promise<void> {
    this.#lines.return(undefined);
  }
}
