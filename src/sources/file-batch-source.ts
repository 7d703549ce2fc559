import { holdsMark, markOf, type InputMark } from "./input-mark";
import { readFileLines } from "./jsonl-file";

/** One input line of a micro-batch source. */
export interface BatchLine {
  readonly line: Buffer;
}

/** Where a file source stands: lines consumed, and the end of the last one's bytes (`\n` excluded). */
interface Position {
  readonly lines: number;
  readonly bytes: number;
}

/** A line of the file, with the position before it (to step back when it is returned). */
interface FileLine extends BatchLine {
  readonly before: Position;
}

/** What `resume` did: the lines it skipped, and a note when the state's mark is of another input. */
export interface Resumed {
  readonly skipped: number;
  readonly note: string | null;
}

/**
 * A JSON-lines file (or stdin spooled to one) as a micro-batch source: `next(n)` returns the
 * next n lines; `ack` does nothing (the file is the record); `nack` puts the lines back in
 * front, in their order, so the next `next` returns them again (as Pub/Sub redelivers). Lets
 * the streaming loop, its state and its memory bounds be run and measured without Pub/Sub.
 *
 * `mark()` says how far it was consumed (committed with the state); `resume(mark)` continues
 * after it when the file is the one the mark was taken of, and otherwise reads from line 1.
 *
 * `holdUnterminated` (a `--no-flush` run, whose file the next run continues): a last line
 * without `\n` is not handed out, as its writer may be in the middle of it; the source ends
 * before it, and the next run reads it whole. Handed out, half a line became a dead letter,
 * and the next run, resuming after it, made a second one of the rest (one event lost).
 */
export class FileBatchSource {
  readonly #path: string;
  #lines: ReturnType<typeof readFileLines>;
  /** Nacked lines, returned before the file's next ones. */
  #returned: FileLine[] = [];
  #done = false;
  #position: Position = { lines: 0, bytes: 0 };
  readonly #holdUnterminated: boolean;
  /** Whether a last line without `\n` was left unread (`holdUnterminated`). */
  heldUnterminated = false;

  constructor(path: string, options: { holdUnterminated?: boolean } = {}) {
    this.#path = path;
    this.#lines = readFileLines(path);
    this.#holdUnterminated = options.holdUnterminated ?? false;
  }

  get exhausted(): boolean {
    return this.#done && this.#returned.length === 0;
  }

  async next(maxMessages: number, _maxWaitMs: number): Promise<BatchLine[]> {
    const out: FileLine[] = this.#returned.splice(0, maxMessages);
    while (out.length < maxMessages && !this.#done) {
      const r = this.#lines.next();
      if (r.done === true || (r.value.unterminated === true && this.#holdUnterminated)) {
        this.heldUnterminated = r.done !== true;
        this.#done = true;
        break;
      }
      out.push({ line: Buffer.from(r.value.bytes), before: this.#position });
      this.#position = { lines: r.value.line, bytes: r.value.offset + r.value.bytes.length };
    }
    return out;
  }

  /** How far the file was consumed (lines handed out and not returned), and what it held up to there. */
  mark(): InputMark {
    const at = this.#returned.length > 0 ? this.#returned[0].before : this.#position;
    return markOf(this.#path, at.lines, at.bytes);
  }

  /**
   * Skips what a committed state consumed, before the first `next`. `mark`: the state's
   * `InputMark`; when the file holds the same bytes up to it, reading continues right after
   * it, else from line 1 (with a note). `null`: the state was last fed by another source (read
   * from line 1). `undefined`: a state committed before marks existed, which counts
   * `legacyLines` lines consumed from this file.
   */
  resume(mark: InputMark | null | undefined, legacyLines: number): Resumed {
    if (mark === undefined) {
      let skipped = 0;
      while (skipped < legacyLines && this.#lines.next().done !== true) skipped++;
      return { skipped, note: null };
    }
    if (mark === null || mark.lines === 0) return { skipped: 0, note: null };
    if (!holdsMark(this.#path, mark)) {
      return { skipped: 0, note: `the input is not the file this state stopped in (${mark.lines} lines consumed there): reading it from its first line` };
    }
    this.#lines.return(undefined);
    this.#lines = readFileLines(this.#path, { offset: mark.bytes + 1, line: mark.lines });
    this.#position = { lines: mark.lines, bytes: mark.bytes };
    return { skipped: mark.lines, note: null };
  }

  async ack(_batch: ReadonlyArray<BatchLine>): Promise<void> {}
  async nack(batch: ReadonlyArray<BatchLine>): Promise<void> {
    this.#returned = [...(batch as ReadonlyArray<FileLine>), ...this.#returned];
  }
  async close(): Promise<void> {
    this.#lines.return(undefined);
  }
}
