import * as fs from "fs";
import { crashNow, faultDue } from "../streaming/fault-points";

/** Lines buffered per file before one synchronous write. */
export const FLUSH_EVERY_LINES = 2048;

interface OpenFile {
  readonly fd: number;
  buffer: string[];
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
  file.buffer.push(text);
  file.count += 1;
  if (file.buffer.length >= FLUSH_EVERY_LINES) flush(file);
}

/** Opens `path` for `appendLine`: truncated, or appended to when `append`. */
export function openLines(path: string, append = false): OpenFile {
  const existing = files.get(path);
  if (existing !== undefined) return existing;
  const file: OpenFile = { fd: fs.openSync(path, append ? "a" : "w"), buffer: [], count: 0 };
  files.set(path, file);
  return file;
}

/** Flushes and closes `path`; returns the number of lines written. */
export function closeLines(path: string): number {
  const file = files.get(path);
  if (file === undefined) return 0;
  flush(file);
  fs.fsyncSync(file.fd);
  fs.closeSync(file.fd);
  files.delete(path);
  return file.count;
}

function flush(file: OpenFile): void {
  if (file.buffer.length === 0) return;
  const text = file.buffer.join("\n") + "\n";
  if (faultDue("mid_output")) {
    // Fault test: write half of this buffer, then die as a crash would (fault-points.ts).
    fs.writeSync(file.fd, text.slice(0, Math.floor(text.length / 2)));
    crashNow();
  }
  fs.writeSync(file.fd, text);
  file.buffer = [];
}
