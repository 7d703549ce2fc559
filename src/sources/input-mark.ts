import { createHash } from "crypto";
import * as fs from "fs";

/** Bytes from the start of a file that identify it (`InputMark.head`). */
export const MARK_HEAD_BYTES = 64 * 1024;
/** Bytes before a mark's position that must be unchanged to resume there (`InputMark.tail`). */
export const MARK_TAIL_BYTES = 4 * 1024;

/**
 * How far a stream consumed a file input, committed with its state, and what the file held up
 * to there, so a later run resumes after those lines only when it is given the same file (or
 * that file grown by appends) and reads any other file from its first line.
 *
 * `lines` lines were consumed, ending at byte `bytes` (the end of the last consumed line, its
 * `\n` excluded). `head` is the SHA-1 (hex) of the first min(bytes, MARK_HEAD_BYTES) bytes,
 * `tail` that of the MARK_TAIL_BYTES bytes before `bytes` (fewer near the start).
 */
export interface InputMark {
  readonly lines: number;
  readonly bytes: number;
  readonly head: string;
  readonly tail: string;
}

/** The mark of `path` after `lines` lines ending at byte `bytes`. Reads at most 68 KiB. */
export function markOf(path: string, lines: number, bytes: number): InputMark {
  const fd = fs.openSync(path, "r");
  try {
    return { lines, bytes, head: digestOf(fd, 0, Math.min(bytes, MARK_HEAD_BYTES)), tail: digestOf(fd, Math.max(0, bytes - MARK_TAIL_BYTES), bytes) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Whether `path` holds, up to `mark.bytes`, what the file the mark was taken of held there (by head and tail). */
export function holdsMark(path: string, mark: InputMark): boolean {
  if (fs.statSync(path).size < mark.bytes) return false;
  const now = markOf(path, mark.lines, mark.bytes);
  return now.head === mark.head && now.tail === mark.tail;
}

function digestOf(fd: number, from: number, to: number): string {
  const buffer = Buffer.alloc(Math.max(0, to - from));
  let got = 0;
  while (got < buffer.length) {
    const n = fs.readSync(fd, buffer, got, buffer.length - got, from + got);
    if (n === 0) break;
    got += n;
  }
  return createHash("sha1").update(buffer.subarray(0, got)).digest("hex");
}
