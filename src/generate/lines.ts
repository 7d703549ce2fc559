import { closeSync, openSync, readSync } from "fs";

/**
 * Calls `fn(line, lineNumber)` for every line of a UTF-8 file (1-based numbers, "\n"
 * separated, a trailing "\r" removed), reading 1 MiB at a time so big files fit in memory.
 * A final line without "\n" is included; an empty file has no lines.
 */
export function forEachLine(path: string, fn: (line: string, lineNumber: number) => void): void {
  const fd = openSync(path, "r");
  const buf = Buffer.allocUnsafe(1 << 20);
  const state = { carry: Buffer.alloc(0), line: 0 };
  const emit = (bytes: Buffer): void => {
    state.line++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    fn(bytes.toString("utf8", 0, end), state.line);
  };
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) {
      const chunk = state.carry.length > 0 ? Buffer.concat([state.carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        emit(chunk.subarray(start, nl));
        start = nl + 1;
      }
      state.carry = Buffer.from(chunk.subarray(start));
    }
    if (state.carry.length > 0) emit(state.carry);
  } finally {
    closeSync(fd);
  }
}

/** Parses every non-blank line as JSON into plain objects; lines that are not objects are skipped. */
export function readJsonObjects(path: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  forEachLine(path, (line) => {
    if (line.trim() === "") return;
    const value: unknown = JSON.parse(line);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) out.push(value as Record<string, unknown>);
  });
  return out;
}
