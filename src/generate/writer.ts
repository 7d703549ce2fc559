import { closeSync, openSync, writeSync } from "fs";

/** Size at which buffered text is written to disk. */
const CHUNK_CHARS = 1 << 20;

/**
 * Appends lines to a file through a small in-memory buffer, writing with fs.writeSync
 * in ~1 MiB chunks. `close()` flushes; the file is created (truncated) on construction.
 */
export class LineWriter {
  private readonly fd: number;
  private buffer = "";
  private size = 0;
  /** Number of lines written so far (the 1-based number of the last line). */
  lines = 0;

  constructor(path: string) {
    this.fd = openSync(path, "w");
  }

  /** Appends `line` (no newline inside) and a "\n". */
  write(line: string): void {
    this.buffer += line + "\n";
    this.size += line.length + 1;
    this.lines++;
    if (this.size >= CHUNK_CHARS) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer);
    this.buffer = "";
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
