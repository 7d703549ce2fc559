import { isAscii } from "buffer";
import * as fs from "fs";

/** Bytes read per `readSync` call. */
export const READ_CHUNK_BYTES = 4 << 20;

/** One line of a JSON-lines file. */
export interface FileLine {
  /** 1-based line number. */
  readonly line: number;
  /** The line's bytes without the `\n`; only valid until the next iteration. */
  readonly bytes: Buffer;
  /**
   * The same line as text when its read chunk was all ASCII (then bytes and characters are the
   * same), else null. A slice of one string per chunk: held lines share their chunk's text
   * instead of each being copied, which keeps a run's retained events out of the young
   * generation's copying. Stays valid after the iteration.
   */
  readonly text: string | null;
}

/**
 * The lines of a file as raw bytes (no decoding, so invalid UTF-8 is seen as it is),
 * numbered from 1, split on `\n` only (a trailing `\r` stays for the validator). Reads
 * synchronously in chunks: usable inside a DoFn, and memory stays at one chunk plus the
 * longest line. A last line without `\n` is still a line. A yielded buffer is only valid
 * until the next iteration (it may point into the read chunk): decode it before moving on.
 *
 * @example
 * // file "a\n\nb" -> {line: 1, bytes: "a"}, {line: 2, bytes: ""}, {line: 3, bytes: "b"}
 */
export function* readFileLines(path: string): Generator<FileLine> {
  const fd = fs.openSync(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let carry: Buffer[] = [];
    let line = 0;
    for (;;) {
      const got = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (got === 0) break;
      // The chunk's complete lines as one string when they are all ASCII (the common case).
      const lastNewline = chunk.lastIndexOf(0x0a, got - 1);
      const ascii = lastNewline > 0 && isAscii(chunk.subarray(0, lastNewline)) ? chunk.toString("latin1", 0, lastNewline) : null;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0 || nl >= got) break;
        const piece = chunk.subarray(start, nl);
        const joined = carry.length > 0;
        const bytes = joined ? Buffer.concat([...carry, piece]) : piece;
        carry = [];
        yield { line: ++line, bytes, text: joined || ascii === null ? null : ascii.slice(start, nl) };
        start = nl + 1;
      }
      if (start < got) carry.push(Buffer.from(chunk.subarray(start, got)));
    }
    if (carry.length > 0) yield { line: ++line, bytes: Buffer.concat(carry), text: null };
  } finally {
    fs.closeSync(fd);
  }
}
