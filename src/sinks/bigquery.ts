/**
 * `BigQuerySink`: a {@link RecoverySink} that streams the three outputs into BigQuery tables
 * (`events`, `flags`, `dead_letter` by default; schemas in bigquery-schema) with
 * `tabledata.insertAll` through `@google-cloud/bigquery`.
 *
 * Semantics:
 * - Tables (and the dataset) are created on the first write when missing, unless
 *   `createIfMissing` is false (then a missing one is an error). Existing tables are used
 *   as they are; their schema is not compared.
 * - Rows are sent with `insertId`s (hashes of each record's key, and flag_id: bigquery-rows),
 *   at most 500 rows and `maxRequestBytes` per request, with `skipInvalidRows` so that one
 *   bad row does not block the others.
 * - Rows BigQuery refuses (`insertErrors` with a permanent reason such as `invalid`) and
 *   rows larger than a request may be are returned in `SinkResult.rejected` as
 *   `sink_rejected` dead letters: never dropped, never retried. Refused `events` and `flags`
 *   rows are also written, as those dead letters, to the `dead_letter` table in the same
 *   `write` (counted in `written.deadLetters`), so BigQuery shows what it lacks; a refused
 *   dead-letter row is only returned (sent again, it could be refused again).
 * - Transient failures (HTTP 408/429/5xx, network errors, and per-row `backendError`,
 *   `stopped`, `timeout` ...) are retried with bounded exponential backoff (default 5 tries
 *   per request; bigquery-retry), then {@link SinkUnavailableError} is thrown and the caller
 *   must not acknowledge the batch. Requests are not atomic: after a throw some rows of the
 *   batch may already be stored.
 * - At-least-once: BigQuery's insertId dedup is best effort (about one minute), so a batch
 *   rewritten after a throw or a redelivery may duplicate rows. Read them exactly once through
 *   the views `<table>_once` (bigquery-schema `ONCE_VIEWS`: one row per record key), which
 *   the sink creates beside the tables.
 * - `dryRun`: no request is made; `write` reports nothing written (only rows refused locally)
 *   and `ddl()` gives the statements that would create the tables.
 *
 * Authentication is the client's: Application Default Credentials unless `authClient` is
 * given (for emulators and tests, google-auth-library's `PassThroughClient`).
 */
import { BigQuery, type BigQueryOptions, type Table } from "@google-cloud/bigquery";
import type { DeadLetter } from "../event";
import { rejectedRow, type RowError } from "./bigquery-rejected";
import { backoffDelay, DEFAULT_RETRY, isTransient, sleep, SinkUnavailableError, withDeadline, withRetry, type RetryPolicy } from "./bigquery-retry";
import { deadLetterRow, eventRow, flagRow, type PreparedRow } from "./bigquery-rows";
import {
  createDatasetStatement,
  createOnceViewStatement,
  createTableStatement,
  DEFAULT_TABLE_NAMES,
  ONCE_VIEWS,
  onceViewName,
  onceViewQuery,
  quotedTablePath,
  TABLE_SPECS,
  tableResource,
  type BigQueryTableNames,
} from "./bigquery-schema";
import type { RecoverySink, SinkBatch, SinkResult } from "./sink";

/** Configuration of a {@link BigQuerySink}. */
export interface BigQuerySinkOptions {
  /** Google Cloud project that holds the dataset (and is billed). */
  readonly project: string;
  readonly dataset: string;
  /** Table names; defaults `events`, `flags`, `dead_letter`. */
  readonly tables?: Partial<BigQueryTableNames>;
  /** Location of the dataset when the sink creates it (BigQuery's default otherwise). */
  readonly location?: string;
  /** API root, e.g. `http://127.0.0.1:9050` for an emulator or a test fake. */
  readonly apiEndpoint?: string;
  /** Credentials to use instead of Application Default Credentials. */
  readonly authClient?: BigQueryOptions["authClient"];
  /** Create the dataset and tables when missing (default true). */
  readonly createIfMissing?: boolean;
  /** Make no request at all (default false). */
  readonly dryRun?: boolean;
  /** Retry budget per request (default {@link DEFAULT_RETRY}). */
  readonly retry?: Partial<RetryPolicy>;
  /** Rows per insertAll request (default and maximum 500). */
  readonly maxRowsPerRequest?: number;
  /**
   * Bytes of row JSON per insertAll request (default 9 MiB, under BigQuery's 10 MB limit).
   * A single row larger than this is refused locally as a `sink_rejected` dead letter.
   */
  readonly maxRequestBytes?: number;
  /** Timeout of one HTTP request in ms (default 60 s); a timeout counts as transient. */
  readonly requestTimeoutMs?: number;
  /** Clock for `inserted_at` and the `received_at` of refused rows (default: wall clock). */
  readonly now?: () => Date;
}

/** Per-row insertAll reasons that mean "not stored, but not the row's fault": retried. */
const TRANSIENT_ROW_REASONS = new Set(["stopped", "backendError", "internalError", "timeout", "rateLimitExceeded"]);
const MAX_ROWS_PER_REQUEST = 500;
const DEFAULT_MAX_REQUEST_BYTES = 9 * 1024 * 1024;

type OutputKey = keyof BigQueryTableNames;

/** Streams recovery outputs into BigQuery (see the module comment for the guarantees). */
export class BigQuerySink implements RecoverySink {
  readonly name = "bigquery";
  /** The table each output goes to. */
  readonly tableNames: BigQueryTableNames;
  private readonly client: BigQuery;
  private readonly retry: RetryPolicy;
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private ready: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: BigQuerySinkOptions) {
    this.tableNames = { ...DEFAULT_TABLE_NAMES, ...options.tables };
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!(this.retry.attempts >= 1)) throw new RangeError("retry.attempts must be at least 1");
    this.maxRows = Math.min(MAX_ROWS_PER_REQUEST, Math.max(1, options.maxRowsPerRequest ?? MAX_ROWS_PER_REQUEST));
    this.maxBytes = Math.max(1, options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES);
    this.now = options.now ?? (() => new Date());
    this.timeoutMs = options.requestTimeoutMs ?? 60_000;
    // The client's own retries are off: this sink retries with its own bounded policy.
    const clientOptions: BigQueryOptions & { timeout: number } = {
      projectId: options.project,
      apiEndpoint: options.apiEndpoint,
      authClient: options.authClient,
      location: options.location,
      retryOptions: { autoRetry: false },
      timeout: options.requestTimeoutMs ?? 60_000,
    };
    this.client = new BigQuery(clientOptions);
  }

  /**
   * The statements that create the dataset, the three tables (`CREATE SCHEMA IF NOT EXISTS`,
   * then `CREATE TABLE IF NOT EXISTS` with PARTITION BY / CLUSTER BY) and their exactly-once
   * views (`CREATE VIEW IF NOT EXISTS`), for `--dry-run` and the README.
   */
  ddl(): string[] {
    const { project, dataset, location } = this.options;
    const keys = Object.keys(TABLE_SPECS) as OutputKey[];
    return [
      createDatasetStatement(project, dataset, location),
      ...keys.map((k) => createTableStatement(project, dataset, this.tableNames[k], TABLE_SPECS[k])),
      ...keys.map((k) => createOnceViewStatement(project, dataset, this.tableNames[k], ONCE_VIEWS[k])),
    ];
  }

  async write(batch: SinkBatch): Promise<SinkResult> {
    if (this.closed) throw new Error("BigQuerySink: write after close");
    const written = { events: 0, flags: 0, deadLetters: 0 };
    const rejected: DeadLetter[] = [];
    if (batch.events.length === 0 && batch.flags.length === 0 && batch.deadLetters.length === 0) return { written, rejected };
    if (!this.options.dryRun) await this.ensureTables();
    const now = this.now().toISOString();
    const names = this.tableNames;
    written.events = await this.insertRows(names.events, batch.events.map((e) => eventRow(e, now)), rejected);
    written.flags = await this.insertRows(names.flags, batch.flags.map(flagRow), rejected);
    // Refused events and flags rows go to the dead-letter table too, so BigQuery shows what it
    // lacks. One refused there as well is already in `rejected`: its second refusal is dropped.
    const refused = rejected.map(deadLetterRow);
    written.deadLetters = await this.insertRows(names.deadLetters, batch.deadLetters.map(deadLetterRow), rejected);
    written.deadLetters += await this.insertRows(names.deadLetters, refused, []);
    return { written, rejected };
  }

  /** Inserts `rows` into `table` in requests (`chunks`); appends refused rows to `rejected`; returns how many were stored. */
  private async insertRows(table: string, rows: ReadonlyArray<PreparedRow>, rejected: DeadLetter[]): Promise<number> {
    let stored = 0;
    for (const chunk of this.chunks(table, rows, rejected)) {
      if (this.options.dryRun) continue;
      stored += await this.insertChunk(table, chunk, rejected);
    }
    return stored;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Creates the dataset and tables once (again on the next write if it failed). */
  private ensureTables(): Promise<void> {
    if (this.ready === null) {
      this.ready = this.createTables().catch((err: unknown) => {
        this.ready = null;
        throw err;
      });
    }
    return this.ready;
  }

  private async createTables(): Promise<void> {
    const { project, dataset: datasetId, location } = this.options;
    const create = this.options.createIfMissing ?? true;
    const retry = <T>(what: string, fn: () => Promise<T>): Promise<T> => withRetry(this.retry, what, () => withDeadline(this.timeoutMs, what, fn()));
    const dataset = this.client.dataset(datasetId, { location });
    const [datasetExists] = await retry(`get dataset ${datasetId}`, () => dataset.exists());
    if (!datasetExists) {
      if (!create) throw new Error(`BigQuery dataset ${project}.${datasetId} does not exist (createIfMissing is false)`);
      await retry(`create dataset ${datasetId}`, () => ignoreConflict(this.client.createDataset(datasetId, { location })));
    }
    for (const key of Object.keys(TABLE_SPECS) as OutputKey[]) {
      const tableId = this.tableNames[key];
      const [tableExists] = await retry(`get table ${tableId}`, () => dataset.table(tableId).exists());
      if (tableExists) continue;
      if (!create) throw new Error(`BigQuery table ${project}.${datasetId}.${tableId} does not exist (createIfMissing is false)`);
      const resource = tableResource(TABLE_SPECS[key]);
      await retry(`create table ${tableId}`, () =>
        ignoreConflict(
          dataset.createTable(tableId, {
            description: resource.description,
            schema: { fields: resource.schema.fields.map((f) => ({ ...f })) },
            timePartitioning: { ...resource.timePartitioning },
            clustering: { fields: [...resource.clustering.fields] },
          }),
        ),
      );
    }
    // The views are a convenience: without createIfMissing they are neither required nor looked up.
    for (const key of create ? (Object.keys(ONCE_VIEWS) as OutputKey[]) : []) {
      const viewId = onceViewName(this.tableNames[key]);
      const [viewExists] = await retry(`get view ${viewId}`, () => dataset.table(viewId).exists());
      if (viewExists) continue;
      const query = onceViewQuery(quotedTablePath(project, datasetId, this.tableNames[key]), ONCE_VIEWS[key]);
      await retry(`create view ${viewId}`, () =>
        ignoreConflict(dataset.createTable(viewId, { description: ONCE_VIEWS[key].description, view: { query, useLegacySql: false } })),
      );
    }
  }

  /**
   * Splits rows into requests of at most `maxRows` rows and `maxBytes` bytes of JSON;
   * a row that alone exceeds `maxBytes` goes to `rejected` instead.
   */
  private *chunks(table: string, rows: ReadonlyArray<PreparedRow>, rejected: DeadLetter[]): Generator<PreparedRow[]> {
    let chunk: PreparedRow[] = [];
    let bytes = 0;
    for (const row of rows) {
      const size = Buffer.byteLength(JSON.stringify(row.json), "utf8") + Buffer.byteLength(row.insertId, "utf8") + 32;
      if (size > this.maxBytes) {
        const message = `row of ${size} bytes exceeds the ${this.maxBytes}-byte request limit`;
        rejected.push(rejectedRow(table, row, [{ reason: "row_too_large", message }], this.now().toISOString()));
        continue;
      }
      if (chunk.length > 0 && (chunk.length >= this.maxRows || bytes + size > this.maxBytes)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(row);
      bytes += size;
    }
    if (chunk.length > 0) yield chunk;
  }

  /**
   * Sends one request's rows; returns how many were stored, pushes refused ones to
   * `rejected`, retries transient failures (whole request or per row), throws when the
   * budget is spent or on a permanent request-level error.
   */
  private async insertChunk(tableId: string, rows: ReadonlyArray<PreparedRow>, rejected: DeadLetter[]): Promise<number> {
    const table: Table = this.client.dataset(this.options.dataset).table(tableId);
    let pending = rows;
    let written = 0;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        // The client's `timeout` never reaches the request (see withDeadline): bounded here.
        await withDeadline(
          this.timeoutMs,
          `insert into ${tableId}`,
          table.insert(
            pending.map((r) => ({ insertId: r.insertId, json: { ...r.json } })),
            { raw: true, skipInvalidRows: true, ignoreUnknownValues: false, partialRetries: 0 },
          ),
        );
        return written + pending.length;
      } catch (err) {
        const insertErrors = partialFailures(err);
        if (insertErrors === null) {
          if (!isTransient(err)) throw err;
          failure = err;
        } else {
          const failed = new Set<number>();
          const retryRows: PreparedRow[] = [];
          const receivedAt = this.now().toISOString();
          for (const { index, errors } of insertErrors) {
            const row = pending[index];
            if (row === undefined || failed.has(index)) continue;
            failed.add(index);
            if (errors.length > 0 && errors.every((e) => TRANSIENT_ROW_REASONS.has(e.reason))) retryRows.push(row);
            else rejected.push(rejectedRow(tableId, row, errors, receivedAt));
          }
          written += pending.length - failed.size;
          if (retryRows.length === 0) return written;
          pending = retryRows;
          failure = err;
        }
      }
      if (attempt >= this.retry.attempts) throw new SinkUnavailableError(`insert into ${tableId}`, attempt, failure);
      await sleep(backoffDelay(this.retry, attempt));
    }
  }
}

/** `insertErrors` of a client PartialFailureError (`null` for any other error). */
function partialFailures(err: unknown): Array<{ index: number; errors: RowError[] }> | null {
  if (!(err instanceof Error) || err.name !== "PartialFailureError") return null;
  const response = (err as Error & { response?: unknown }).response;
  const insertErrors = (response as { insertErrors?: unknown } | undefined)?.insertErrors;
  if (!Array.isArray(insertErrors)) return null;
  return insertErrors.map((ie: unknown) => {
    const e = ie as { index?: unknown; errors?: unknown };
    const errors = Array.isArray(e.errors) ? e.errors : [];
    return {
      index: typeof e.index === "number" ? e.index : -1,
      errors: errors.map((x: unknown) => {
        const r = x as { reason?: unknown; message?: unknown };
        return { reason: typeof r.reason === "string" ? r.reason : "unknown", message: typeof r.message === "string" ? r.message : "" };
      }),
    };
  });
}

/** Resolves when `p` does, or when it fails with 409 (already exists: created concurrently). */
async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as { code?: unknown })?.code !== 409) throw err;
  }
}

export { SinkUnavailableError } from "./bigquery-retry";
