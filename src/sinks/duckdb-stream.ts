import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RecoveryConfig } from "../config";
import type { RecoverFiles } from "../pipelines/recover";
import { selectEventRows } from "./duckdb-tables";

/** Byte offsets of the three JSON-lines outputs. */
export interface OutputOffsets {
  readonly events: number;
  readonly flags: number;
  readonly deadLetters: number;
}

/**
 * The DuckDB sink of the streaming loop: tables `events`, `flags`, `dead_letter` as in a
 * bounded run, plus a `batch` column. Each micro-batch inserts the bytes its JSON-lines outputs
 * grew by; a restart deletes rows of batches newer than the committed state (`rollbackAfter`)
 * before they are replayed, so no event or flag is stored twice.
 */
export class DuckDbStreamSink {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    private readonly config: RecoveryConfig,
  ) {}

  static async open(dbPath: string, config: RecoveryConfig): Promise<DuckDbStreamSink> {
    const instance = await DuckDBInstance.create(dbPath);
    const db = await instance.connect();
    await db.run(`CREATE TABLE IF NOT EXISTS events (event_id VARCHAR, source VARCHAR, sequence BIGINT, event_time TIMESTAMPTZ, event_type VARCHAR, payload JSON, batch BIGINT)`);
    await db.run(
      `CREATE TABLE IF NOT EXISTS flags (flag_id VARCHAR, kind VARCHAR, action VARCHAR, event_id VARCHAR, source VARCHAR, event_type VARCHAR,
         key VARCHAR, event_time TIMESTAMPTZ, detail JSON, detected_at TIMESTAMPTZ, batch BIGINT)`,
    );
    await db.run(
      `CREATE TABLE IF NOT EXISTS dead_letter (error_code VARCHAR, issues JSON, raw VARCHAR, raw_truncated BOOLEAN, line BIGINT, event_id VARCHAR,
         message_id VARCHAR, attributes JSON, received_at TIMESTAMPTZ, batch BIGINT)`,
    );
    return new DuckDbStreamSink(instance, db, config);
  }

  /** Deletes rows written by batches after `batch` (they were not committed). */
  async rollbackAfter(batch: number): Promise<void> {
    for (const table of ["events", "flags", "dead_letter"]) await this.db.run(`DELETE FROM ${table} WHERE batch > ${Math.floor(batch)}`);
  }

  /** Inserts what the output files gained between `from` and `to`, tagged with `batch`. */
  async insertBatch(batch: number, files: RecoverFiles, from: OutputOffsets, to: OutputOffsets): Promise<void> {
    const b = Math.floor(batch);
    const slice = (file: string, start: number, end: number) => sliceToTemp(file, start, end);
    const ev = slice(files.events, from.events, to.events);
    const fl = slice(files.flags, from.flags, to.flags);
    const dl = slice(files.deadLetters, from.deadLetters, to.deadLetters);
    try {
      await this.db.run("BEGIN TRANSACTION");
      if (ev !== null) {
        await this.db.run(`INSERT INTO events ${selectEventRows(ev, this.config, String(b))}`);
      }
      if (fl !== null) {
        await this.db.run(
          `INSERT INTO flags SELECT *, ${b} FROM read_json('${fl}', format = 'newline_delimited', columns = {flag_id: 'VARCHAR', kind: 'VARCHAR',
             action: 'VARCHAR', event_id: 'VARCHAR', source: 'VARCHAR', event_type: 'VARCHAR', key: 'VARCHAR', event_time: 'TIMESTAMPTZ',
             detail: 'JSON', detected_at: 'TIMESTAMPTZ'})`,
        );
      }
      if (dl !== null) {
        await this.db.run(
          `INSERT INTO dead_letter SELECT *, ${b} FROM read_json('${dl}', format = 'newline_delimited', maximum_object_size = 16777216,
             columns = {error_code: 'VARCHAR', issues: 'JSON', raw: 'VARCHAR', raw_truncated: 'BOOLEAN', line: 'BIGINT', event_id: 'VARCHAR',
             message_id: 'VARCHAR', attributes: 'JSON', received_at: 'TIMESTAMPTZ'})`,
        );
      }
      await this.db.run("COMMIT");
    } catch (err) {
      await this.db.run("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      for (const f of [ev, fl, dl]) if (f !== null) fs.rmSync(f, { force: true });
    }
  }

  close(): void {
    this.db.closeSync();
    this.instance.closeSync();
  }
}

function sliceToTemp(file: string, start: number, end: number): string | null {
  if (end <= start) return null;
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(end - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    const tmp = path.join(os.tmpdir(), `recover-slice-${process.pid}-${Math.random().toString(36).slice(2)}.jsonl`);
    fs.writeFileSync(tmp, buf);
    return tmp.replace(/'/g, "''");
  } finally {
    fs.closeSync(fd);
  }
}
