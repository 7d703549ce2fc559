import { randomBytes } from "crypto";
import { promises as fs } from "fs";
import * as path from "path";
import { parseStateDocument, serializeCommittedState, stateHead, tablesFromJson, tablesJson, type CommittedState, type StateTableChanges, type StateTables } from "./committed-state";
import type { StateStore } from "./state-store";

/** Name of the committed state file (the snapshot) inside the store's directory. */
export const STATE_FILE = "state.json";
/** Name of the log of commits since the snapshot: one JSON line per commit. */
export const LOG_FILE = "state.log";
/** The log is folded into a new snapshot once it is larger than the snapshot and this: 4 MiB. */
export const MIN_COMPACT_BYTES = 4 << 20;

/**
 * A {@link StateStore} in a local directory: a snapshot `DIR/state.json` and a log
 * `DIR/state.log` of the commits since it.
 *
 * A commit with table changes appends one line to the log (the header and detectors whole,
 * the table entries changed) and fsyncs it: it costs what the batch changed, not the whole
 * state. A commit without changes, the first commit of a store object, the first after a
 * failed append, and any once the log has outgrown the snapshot (and 4 MiB) write a new
 * snapshot instead: `state.json.tmp-<random>`, fsync'd, renamed over `state.json` (atomic on
 * POSIX file systems), the directory fsync'd; then the log is emptied. The snapshot carries a
 * random generation and each log line the generation and its place after it, so lines of an
 * older snapshot (a crash between the rename and the emptying) are skipped, and a crash at any
 * point leaves either the old or the new state: a last line cut short by a crash (no line
 * feed) is not a commit. Temporary files left by a crash are ignored by `load` and removed by
 * the next snapshot. The directory is created on the first commit.
 */
export class FileStateStore implements StateStore {
  readonly dir: string;
  /** What this object knows of the files: null until it writes a snapshot. */
  #written: { generation: string; lines: number; logBytes: number; snapshotBytes: number } | null = null;

  constructor(dir: string) {
    if (dir.length === 0) throw new RangeError("FileStateStore: empty directory");
    this.dir = path.resolve(dir);
  }

  /** Path of the snapshot. */
  get file(): string {
    return path.join(this.dir, STATE_FILE);
  }

  /** Path of the log. */
  get log(): string {
    return path.join(this.dir, LOG_FILE);
  }

  async load(): Promise<CommittedState | null> {
    const text = await readIfExists(this.file);
    if (text === null) return null;
    const { state, doc } = parseStateDocument(text, this.file);
    const generation = doc["generation"];
    const log = typeof generation === "string" ? await readIfExists(this.log) : null;
    if (log === null) return state;
    let current: CommittedState = state;
    const tables = new Map([...state.tables].map(([name, entries]) => [name, new Map(entries)]));
    let place = 0;
    // Complete lines only: a last line without its line feed is a commit cut short.
    const lines = log.split("\n").slice(0, -1);
    for (const [i, line] of lines.entries()) {
      const where = `${this.log} line ${i + 1}`;
      const entry = parseStateDocument(line, where);
      if (entry.doc["generation"] !== generation) continue;
      place += 1;
      if (entry.doc["place"] !== place) throw new Error(`state ${where}: commit ${String(entry.doc["place"])} where ${place} was due`);
      for (const [name, entries] of tablesFromJson(entry.doc["changes"], where)) {
        let texts = tables.get(name);
        if (texts === undefined) tables.set(name, (texts = new Map()));
        for (const [key, value] of entries) {
          if (value === null) texts.delete(key);
          else texts.set(key, value);
        }
      }
      current = entry.state;
    }
    return { batch: current.batch, watermark: current.watermark, maxEventTime: current.maxEventTime, detectors: current.detectors, tables };
  }

  async commit(state: CommittedState, changes?: StateTableChanges): Promise<void> {
    const w = this.#written;
    if (changes === undefined || w === null || w.logBytes > Math.max(w.snapshotBytes, MIN_COMPACT_BYTES)) {
      await this.#snapshot(state);
      return;
    }
    const line = stateHead(state, { generation: w.generation, place: w.lines + 1 }) + ',"tables":{},"changes":' + tablesJson(changes) + "}\n";
    try {
      const handle = await fs.open(this.log, "a");
      try {
        await handle.writeFile(line, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      // A line may be half written: the next commit writes a snapshot (and empties the log).
      this.#written = null;
      throw err;
    }
    w.lines += 1;
    w.logBytes += Buffer.byteLength(line);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  /** Writes `state` (with all its tables) as a new snapshot, then empties the log. */
  async #snapshot(state: CommittedState): Promise<void> {
    this.#written = null;
    const generation = randomBytes(8).toString("hex");
    const text = serializeCommittedState(state, { generation });
    await fs.mkdir(this.dir, { recursive: true });
    await this.#removeStaleTemps();
    const tmp = `${this.file}.tmp-${randomBytes(6).toString("hex")}`;
    try {
      const handle = await fs.open(tmp, "wx", 0o644);
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, this.file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    // The log's lines belong to the old generation now; emptied (created) and the directory
    // fsync'd, so the new snapshot and the log's existence survive a power loss.
    await fs.writeFile(this.log, "");
    await syncDir(this.dir);
    this.#written = { generation, lines: 0, logBytes: 0, snapshotBytes: Buffer.byteLength(text) };
  }

  /** Removes `state.json.tmp-*` files: leftovers of a crashed commit (one writer per directory). */
  async #removeStaleTemps(): Promise<void> {
    const prefix = `${STATE_FILE}.tmp-`;
    for (const name of await fs.readdir(this.dir)) {
      if (name.startsWith(prefix)) await fs.rm(path.join(this.dir, name), { force: true });
    }
  }
}

/** A file's text, or null when it does not exist. */
async function readIfExists(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** fsync of a directory, so a rename in it survives a power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export type { StateTables };
