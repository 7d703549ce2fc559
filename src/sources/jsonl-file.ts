import * as fs from "fs";

/** Bytes read per `readSync` call. */
export const READ_CHUNK_BYTES = 4 << 20;

/**
 * The lines of a file as raw bytes (no decoding, so invalid UTF-8 is seen as it is),
 * numbered from 1, split on `\n` only (a trailing `\r` stays for the validator), with the file
 * offset of each line's first byte. Reads
 * synchronously in chunks: usable inside a DoFn, and memory stays at one chunk plus the
 * longest line. A last line without `\n` is still a line, yielded with `unterminated: true`
 * (a file still being appended to may be in the middle of it). A yielded buffer is only valid
 * until the next iteration (it may point into the read chunk): decode it before moving on.
 *
 * @example
 * // file "a\n\nb" -> {line: 1, bytes: "a", offset: 0}, {line: 2, bytes: "", offset: 2}, {line: 3, bytes: "b", offset: 3}
 *
 * `from`: start at byte `offset` (a line's first byte), numbering the lines after `line`.
 */
export function* readFileLines(path: string, from: { offset: number; line: number } = { offset: 0, line: 0 }): Generator<{ line: number; bytes: Buffer; offset: number; unterminated?: true }> {
  const fd = fs.openSync(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let carry: Buffer[] = [];
    let line = from.line;
    /** File offset of the next line's first byte. */
    let offset = from.offset;
    /** File offset of the next read. */
    let position = from.offset;
    for (;;) {
      const got = fs.readSync(fd, chunk, 0, chunk.length, position);
      if (got === 0) break;
      position += got;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0 || nl >= got) break;
        const piece = chunk.subarray(start, nl);
        const bytes = carry.length === 0 ? piece : Buffer.concat([...carry, piece]);
        carry = [];
        yield { line: ++line, bytes, offset };
        offset += bytes.length + 1;
        start = nl + 1;
      }
      if (start < got) carry.push(Buffer.from(chunk.subarray(start, got)));
    }
    if (carry.length > 0) yield { line: ++line, bytes: Buffer.concat(carry), offset, unterminated: true };
  } finally {
    fs.closeSync(fd);
  }
}
