import * as fs from "fs";
import { crashNow, faultDue } from "../streaming/fault-points";

/** Lines buffered per file before one synchronous write. */
export const FLUSH_EVERY_LINES = 2048;

/** Bytes of the per-file buffer lines are encoded into (a longer line gets its own buffer). */
const BUFFER_BYTES = 4 << 20;

interface OpenFile {
  readonly fd: number;
  readonly path: string;
  /** UTF-8 of the buffered lines, each ending in `\n`, in `bytes[0, used)`. */
  bytes: Buffer;
  used: number;
  /** Lines in the buffer. */
  buffered: number;
  count: number;
}

/** Files open in this process, by path. Module state, so a DoFn can reach it by reference. */
const files = new Map<string, OpenFile>();
/**
 * Appends one line of JSON text to `path` (created empty on first use by `openLines`).
 * Synchronous and buffered: safe inside a Beam DoFn on the direct runner; `closeLines`
 * flushes. Counts lines per path.
 */
export function appendLine(path: string, text: string): void {
  const file = files.get(path) ?? openLines(path);
  // Encoded straight into a byte buffer: joining strings and encoding the result costs several
  // times more. A UTF-16 code unit is at most 3 bytes of UTF-8.
  const worst = text.length * 3 + 1;
  if (file.used + worst > file.bytes.length) {
    flush(file);
    if (worst > file.bytes.length) file.bytes = Buffer.allocUnsafe(worst);
  }
  file.used += file.bytes.write(text, file.used, "utf8");
  file.bytes[file.used++] = 0x0a;
  file.buffered += 1;
  file.count += 1;
  if (file.buffered >= FLUSH_EVERY_LINES) flush(file);
}

/** Opens `path` for `appendLine`: truncated, or appended to when `append`. */
export function openLines(path: string, append = false): OpenFile {
  const existing = files.get(path);
  if (existing !== undefined) return existing;
  const file: OpenFile = { fd: fs.openSync(path, append ? "a" : "w"), path, bytes: Buffer.allocUnsafe(BUFFER_BYTES), used: 0, buffered: 0, count: 0 };
  files.set(path, file);
  return file;
}

/**
 * Flushes and closes `path`; returns the number of lines written. `durable` (default) also
 * waits for the disk (fsync); a caller passing false must call `syncFile` before it reports
 * the run done (it can overlap that wait with other work).
 */
export function closeLines(path: string, durable = true): number {
  const file = files.get(path);
  if (file === undefined) return 0;
  // Closed and forgotten even when the write or the fsync fails (a full disk): an entry left
  // open would keep its buffered lines, and the next `openLines` of the path (a streaming batch
  // retried after its outputs were cut back) would write them again before its own.
  try {
    flush(file);
    if (durable) fs.fsyncSync(file.fd);
  } finally {
    files.delete(path);
    fs.closeSync(file.fd);
  }
  return file.count;
}

/**
 * Closes `path` without writing what is still buffered (the run failed; its caller cuts the
 * file back or gives up). Does nothing when it is not open.
 */
export function discardLines(path: string): void {
  const file = files.get(path);
  if (file === undefined) return;
  files.delete(path);
  fs.closeSync(file.fd);
}

/** Waits until the written content of `path` is on disk (fsync through a fresh descriptor). */
export function syncFile(path: string): void {
  const fd = fs.openSync(path, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function flush(file: OpenFile): void {
  if (file.used === 0) return;
  if (faultDue("mid_output")) {
    // Fault test: write half of this buffer, then die as a crash would (fault-points.ts).
    writeAll(file.fd, file.bytes.subarray(0, Math.floor(file.used / 2)));
    crashNow();
  }
  writeAll(file.fd, file.bytes.subarray(0, file.used));
  file.used = 0;
  file.buffered = 0;
  if (file.bytes.length > BUFFER_BYTES) file.bytes = Buffer.allocUnsafe(BUFFER_BYTES);
}

/** Writes all of `bytes` to `fd` (a write may take only part). */
export function writeAll(fd: number, bytes: Buffer): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}
