/**
 * `fake-bigquery`: a loopback HTTP fake (127.0.0.1, an ephemeral port) of the part of the
 * BigQuery REST v2 API that `@google-cloud/bigquery` uses for streaming inserts:
 *
 * - `POST /bigquery/v2/projects/{p}/datasets` (datasets.insert; 409 when it exists)
 * - `GET  /bigquery/v2/projects/{p}/datasets/{d}` (datasets.get; 404 when missing)
 * - `POST /bigquery/v2/projects/{p}/datasets/{d}/tables` (tables.insert; 409 when it exists; a
 *   view needs `view.useLegacySql: false` (the REST default is legacy SQL, which cannot parse
 *   GoogleSQL) and every table its query names in backticks to exist)
 * - `GET  /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}` (tables.get; 404 when missing)
 * - `POST /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}/insertAll` (tabledata.insertAll)
 *
 * It validates request shapes (unknown paths, methods, fields or types are 400
 * `invalid`), keeps datasets, tables and rows in memory, validates rows against the table
 * schema (unknown fields unless `ignoreUnknownValues`, missing REQUIRED values, value types),
 * dedupes rows by insertId (until `forgetInsertIds()`, which plays BigQuery's best-effort
 * minute running out), refuses inserts into views, and follows
 * insertAll's `skipInvalidRows` semantics: with it, valid rows are stored and invalid ones
 * reported; without it, nothing is stored, invalid rows are reported `invalid` and the
 * others `stopped`. Errors use Google's JSON error body `{error: {code, message, errors,
 * status}}`.
 *
 * Scripting: `rejectRowsWhere(predicate)` reports every row whose `json` matches as
 * `invalid`; `backendErrorOnce(predicate)` reports matching rows `backendError` (not stored)
 * the first time each insertId is seen; `failNext(n, status)` answers the next n requests
 * with 503/429/500. Query parameters other than `prettyPrint`, `fields` and `alt` are 400.
 * Authentication is not checked (tests use google-auth-library's PassThroughClient).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One request the fake received (for assertions). */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: string;
  readonly body: unknown;
  /** Status the fake answered. */
  status: number;
}

/** A stored insertAll row. */
export interface StoredRow {
  readonly insertId: string | null;
  readonly json: Readonly<Record<string, unknown>>;
}

/** A table as created (the tables.insert body, completed like BigQuery's answer). */
export interface FakeTable {
  readonly resource: Readonly<Record<string, unknown>>;
  readonly fields: ReadonlyArray<{ name: string; type: string; mode: string }>;
  readonly rows: StoredRow[];
  readonly insertIds: Set<string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};
const REASON_FOR_STATUS: Record<number, string> = { 429: "rateLimitExceeded", 500: "backendError", 503: "backendError" };

const ID = /^[A-Za-z0-9_-]{1,1024}$/;
const TYPES = new Set(["STRING", "BYTES", "INTEGER", "INT64", "FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC", "BOOLEAN", "BOOL", "TIMESTAMP", "DATE", "TIME", "DATETIME", "GEOGRAPHY", "JSON", "RECORD", "STRUCT"]);
const MODES = new Set(["NULLABLE", "REQUIRED", "REPEATED"]);
const DATASET_KEYS = new Set(["kind", "datasetReference", "location", "description", "friendlyName", "labels", "defaultTableExpirationMs"]);
const TABLE_KEYS = new Set(["kind", "tableReference", "view", "schema", "timePartitioning", "clustering", "description", "friendlyName", "labels", "expirationTime", "requirePartitionFilter", "location"]);
const FIELD_KEYS = new Set(["name", "type", "mode", "description", "fields"]);
const INSERT_KEYS = new Set(["kind", "skipInvalidRows", "ignoreUnknownValues", "templateSuffix", "traceId", "rows"]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function checkKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>, what: string): void {
  for (const k of Object.keys(obj)) if (!allowed.has(k)) throw new HttpError(400, "invalid", `${what}: unknown field '${k}'`);
}

/** The fake server. Start with {@link FakeBigQuery.start}; always `close()` it. */
export class FakeBigQuery {
  readonly name = "fake-bigquery";
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  private readonly datasets = new Map<string, Record<string, unknown>>();
  private readonly tables = new Map<string, FakeTable>();
  private readonly rejectPredicates: Array<(json: Readonly<Record<string, unknown>>) => boolean> = [];
  private readonly backendErrorPredicates: Array<(json: Readonly<Record<string, unknown>>) => boolean> = [];
  private readonly backendErrorSeen = new Set<string>();
  private failures: { remaining: number; status: number } = { remaining: 0, status: 503 };

  private constructor(
    private readonly server: http.Server,
    /** e.g. `http://127.0.0.1:41234`: the client's `apiEndpoint`. */
    readonly endpoint: string,
  ) {}

  /** Listens on 127.0.0.1 at an ephemeral port. */
  static async start(): Promise<FakeBigQuery> {
    const holder: { fake?: FakeBigQuery } = {};
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => holder.fake?.handle(req, Buffer.concat(chunks).toString("utf8"), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    holder.fake = new FakeBigQuery(server, `http://127.0.0.1:${port}`);
    return holder.fake;
  }

  /** Stops listening and drops keep-alive connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  /** Reports rows whose `json` matches `predicate` as `invalid` (in every later insertAll, any table). */
  rejectRowsWhere(predicate: (json: Readonly<Record<string, unknown>>) => boolean): void {
    this.rejectPredicates.push(predicate);
  }

  /**
   * Reports rows whose `json` matches `predicate` as `backendError` (a transient per-row
   * error; the row is not stored) the first time their insertId is seen.
   */
  backendErrorOnce(predicate: (json: Readonly<Record<string, unknown>>) => boolean): void {
    this.backendErrorPredicates.push(predicate);
  }

  /** Answers the next `count` requests (any route) with `status` (503, 429 or 500). */
  failNext(count: number, status: 429 | 500 | 503 = 503): void {
    this.failures = { remaining: count, status };
  }

  /** BigQuery's insertId dedup window has passed: rows sent again from now on are stored again. */
  forgetInsertIds(): void {
    for (const t of this.tables.values()) t.insertIds.clear();
  }

  /** Whether a dataset exists. */
  hasDataset(project: string, dataset: string): boolean {
    return this.datasets.has(`${project}:${dataset}`);
  }

  /** A created table, or undefined. */
  table(project: string, dataset: string, table: string): FakeTable | undefined {
    return this.tables.get(`${project}:${dataset}.${table}`);
  }

  /** Rows stored in a table (empty when the table is missing). */
  rows(project: string, dataset: string, table: string): ReadonlyArray<StoredRow> {
    return this.table(project, dataset, table)?.rows ?? [];
  }

  /** Creates a dataset directly (test setup: "it already exists"). */
  seedDataset(project: string, dataset: string): void {
    this.datasets.set(`${project}:${dataset}`, { kind: "bigquery#dataset", id: `${project}:${dataset}`, datasetReference: { projectId: project, datasetId: dataset } });
  }

  private handle(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    let body: unknown = undefined;
    let parseError = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        parseError = true;
      }
    }
    const record: RecordedRequest = { method, path: url.pathname, query: url.search, body, status: 0 };
    this.requests.push(record);
    const send = (status: number, body: unknown) => {
      record.status = status;
      const payload = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    };
    try {
      for (const name of url.searchParams.keys()) {
        if (!["prettyPrint", "fields", "alt"].includes(name)) throw new HttpError(400, "invalid", `unknown query parameter ${name}`);
      }
      if (parseError) throw new HttpError(400, "parseError", "request body is not JSON");
      if (this.failures.remaining > 0) {
        this.failures.remaining -= 1;
        const s = this.failures.status;
        throw new HttpError(s, REASON_FOR_STATUS[s] ?? "backendError", `fake-bigquery: scripted ${s}`);
      }
      send(200, this.route(method, url.pathname, record.body));
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, "internalError", String(err));
      send(e.status, {
        error: { code: e.status, message: e.message, errors: [{ message: e.message, domain: "global", reason: e.reason }], status: STATUS_TEXT[e.status] ?? "UNKNOWN" },
      });
    }
  }

  private route(method: string, path: string, body: unknown): unknown {
    const m = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets(?:\/([^/]+)(?:\/tables(?:\/([^/]+)(\/insertAll)?)?)?)?$/.exec(path);
    if (m === null) throw new HttpError(404, "notFound", `fake-bigquery: no route ${method} ${path}`);
    const [, project, dataset, table, insertAll] = m.map((s) => (s === undefined ? undefined : decodeURIComponent(s)));
    const tablesSegment = /\/tables(\/|$)/.test(path);
    if (dataset === undefined && method === "POST") return this.insertDataset(project!, body);
    if (dataset !== undefined && !tablesSegment && method === "GET") return this.getDataset(project!, dataset);
    if (dataset !== undefined && tablesSegment && table === undefined && method === "POST") return this.insertTable(project!, dataset, body);
    if (table !== undefined && insertAll === undefined && method === "GET") return this.getTable(project!, dataset!, table);
    if (table !== undefined && insertAll !== undefined && method === "POST") return this.insertAll(project!, dataset!, table, body);
    throw new HttpError(400, "invalid", `fake-bigquery: unsupported ${method} ${path}`);
  }

  private insertDataset(project: string, body: unknown): unknown {
    if (!isObject(body)) throw new HttpError(400, "invalid", "datasets.insert: body must be a Dataset object");
    checkKeys(body, DATASET_KEYS, "Dataset");
    const ref = body.datasetReference;
    if (!isObject(ref) || typeof ref.datasetId !== "string" || !ID.test(ref.datasetId)) {
      throw new HttpError(400, "invalid", "datasets.insert: datasetReference.datasetId is required");
    }
    if (ref.projectId !== undefined && ref.projectId !== project) throw new HttpError(400, "invalid", "datasets.insert: projectId does not match the path");
    if (body.location !== undefined && typeof body.location !== "string") throw new HttpError(400, "invalid", "Dataset.location must be a string");
    const key = `${project}:${ref.datasetId}`;
    if (this.datasets.has(key)) throw new HttpError(409, "duplicate", `Already Exists: Dataset ${key}`);
    const resource = { ...body, kind: "bigquery#dataset", id: key, datasetReference: { projectId: project, datasetId: ref.datasetId }, location: body.location ?? "US" };
    this.datasets.set(key, resource);
    return resource;
  }

  private getDataset(project: string, dataset: string): unknown {
    const found = this.datasets.get(`${project}:${dataset}`);
    if (found === undefined) throw new HttpError(404, "notFound", `Not found: Dataset ${project}:${dataset}`);
    return found;
  }

  private insertTable(project: string, dataset: string, body: unknown): unknown {
    if (!this.datasets.has(`${project}:${dataset}`)) throw new HttpError(404, "notFound", `Not found: Dataset ${project}:${dataset}`);
    if (!isObject(body)) throw new HttpError(400, "invalid", "tables.insert: body must be a Table object");
    checkKeys(body, TABLE_KEYS, "Table");
    const ref = body.tableReference;
    if (!isObject(ref) || typeof ref.tableId !== "string" || !ID.test(ref.tableId)) throw new HttpError(400, "invalid", "tables.insert: tableReference.tableId is required");
    if (ref.datasetId !== dataset || ref.projectId !== project) throw new HttpError(400, "invalid", "tables.insert: tableReference does not match the path");
    if (body.view !== undefined) return this.insertView(project, dataset, ref.tableId, body);
    const schema = body.schema;
    if (!isObject(schema) || !Array.isArray(schema.fields) || schema.fields.length === 0) throw new HttpError(400, "invalid", "Table.schema.fields is required");
    const fields = schema.fields.map((f: unknown, i: number) => {
      if (!isObject(f)) throw new HttpError(400, "invalid", `schema.fields[${i}] must be an object`);
      checkKeys(f, FIELD_KEYS, `schema.fields[${i}]`);
      if (typeof f.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(f.name)) throw new HttpError(400, "invalid", `schema.fields[${i}].name is invalid`);
      if (typeof f.type !== "string" || !TYPES.has(f.type)) throw new HttpError(400, "invalid", `schema.fields[${i}].type is invalid`);
      const mode = f.mode ?? "NULLABLE";
      if (typeof mode !== "string" || !MODES.has(mode)) throw new HttpError(400, "invalid", `schema.fields[${i}].mode is invalid`);
      return { name: f.name, type: f.type, mode };
    });
    const names = new Set(fields.map((f) => f.name.toLowerCase()));
    if (names.size !== fields.length) throw new HttpError(400, "invalid", "duplicate field names");
    const typeOf = new Map(fields.map((f) => [f.name, f.type]));
    if (body.timePartitioning !== undefined) {
      const tp = body.timePartitioning;
      if (!isObject(tp) || !["DAY", "HOUR", "MONTH", "YEAR"].includes(String(tp.type))) throw new HttpError(400, "invalid", "timePartitioning.type is invalid");
      checkKeys(tp, new Set(["type", "field", "expirationMs", "requirePartitionFilter"]), "timePartitioning");
      if (tp.field !== undefined && !["TIMESTAMP", "DATE", "DATETIME"].includes(typeOf.get(String(tp.field)) ?? "")) {
        throw new HttpError(400, "invalid", `timePartitioning.field ${String(tp.field)} must be a TIMESTAMP, DATE or DATETIME column`);
      }
    }
    if (body.clustering !== undefined) {
      const cl = body.clustering;
      if (!isObject(cl) || !Array.isArray(cl.fields) || cl.fields.length === 0 || cl.fields.length > 4) throw new HttpError(400, "invalid", "clustering.fields must list 1 to 4 columns");
      checkKeys(cl, new Set(["fields"]), "clustering");
      for (const f of cl.fields) if (!typeOf.has(String(f))) throw new HttpError(400, "invalid", `clustering field ${String(f)} is not a column`);
    }
    const key = `${project}:${dataset}.${ref.tableId}`;
    if (this.tables.has(key)) throw new HttpError(409, "duplicate", `Already Exists: Table ${key}`);
    const resource = { ...body, kind: "bigquery#table", id: key, type: "TABLE", location: this.datasets.get(`${project}:${dataset}`)?.location ?? "US", creationTime: String(Date.now()) };
    this.tables.set(key, { resource, fields, rows: [], insertIds: new Set() });
    return resource;
  }

  private insertView(project: string, dataset: string, tableId: string, body: Record<string, unknown>): unknown {
    const view = body.view;
    if (!isObject(view)) throw new HttpError(400, "invalid", "Table.view must be a ViewDefinition");
    checkKeys(view, new Set(["query", "useLegacySql"]), "view");
    if (typeof view.query !== "string" || view.query.trim() === "") throw new HttpError(400, "invalid", "view.query is required");
    if (view.useLegacySql !== false) throw new HttpError(400, "invalidQuery", "Legacy SQL cannot parse this query (view.useLegacySql defaults to true)");
    for (const k of ["schema", "timePartitioning", "clustering"]) if (body[k] !== undefined) throw new HttpError(400, "invalid", `a view takes no ${k}`);
    for (const [, path] of view.query.matchAll(/`([^`]+)`/g)) {
      const [p, d, t] = path.split(".");
      if (t === undefined || !this.tables.has(`${p}:${d}.${t}`)) throw new HttpError(404, "notFound", `Not found: Table ${path} was not found`);
    }
    const key = `${project}:${dataset}.${tableId}`;
    if (this.tables.has(key)) throw new HttpError(409, "duplicate", `Already Exists: Table ${key}`);
    const resource = { ...body, kind: "bigquery#table", id: key, type: "VIEW", creationTime: String(Date.now()) };
    this.tables.set(key, { resource, fields: [], rows: [], insertIds: new Set() });
    return resource;
  }

  private getTable(project: string, dataset: string, table: string): unknown {
    const found = this.tables.get(`${project}:${dataset}.${table}`);
    if (found === undefined) throw new HttpError(404, "notFound", `Not found: Table ${project}:${dataset}.${table}`);
    return found.resource;
  }

  private insertAll(project: string, dataset: string, tableId: string, body: unknown): unknown {
    const table = this.tables.get(`${project}:${dataset}.${tableId}`);
    if (table === undefined) throw new HttpError(404, "notFound", `Not found: Table ${project}:${dataset}.${tableId}`);
    if (table.resource.type === "VIEW") throw new HttpError(400, "invalid", `Cannot insert into a view: ${project}:${dataset}.${tableId}`);
    if (!isObject(body)) throw new HttpError(400, "invalid", "insertAll: body must be a TableDataInsertAllRequest");
    checkKeys(body, INSERT_KEYS, "TableDataInsertAllRequest");
    if (body.kind !== undefined && body.kind !== "bigquery#tableDataInsertAllRequest") throw new HttpError(400, "invalid", "insertAll: wrong kind");
    for (const k of ["skipInvalidRows", "ignoreUnknownValues"]) {
      if (body[k] !== undefined && typeof body[k] !== "boolean") throw new HttpError(400, "invalid", `insertAll: ${k} must be a boolean`);
    }
    if (!Array.isArray(body.rows) || body.rows.length === 0) throw new HttpError(400, "invalid", "insertAll: No rows present in the request.");
    if (body.rows.length > 50_000) throw new HttpError(400, "invalid", "insertAll: too many rows");
    const rows = body.rows.map((r: unknown, i: number): StoredRow => {
      if (!isObject(r)) throw new HttpError(400, "invalid", `insertAll: rows[${i}] must be an object`);
      checkKeys(r, new Set(["insertId", "json"]), `rows[${i}]`);
      if (r.insertId !== undefined && typeof r.insertId !== "string") throw new HttpError(400, "invalid", `rows[${i}].insertId must be a string`);
      if (!isObject(r.json)) throw new HttpError(400, "invalid", `rows[${i}].json must be an object`);
      return { insertId: r.insertId ?? null, json: r.json };
    });
    const ignoreUnknown = body.ignoreUnknownValues === true;
    const problems = rows.map((row) => this.rowErrors(table, row, ignoreUnknown));
    const transient = rows.map((row) => {
      if (row.insertId === null || this.backendErrorSeen.has(row.insertId) || !this.backendErrorPredicates.some((p) => p(row.json))) return false;
      this.backendErrorSeen.add(row.insertId);
      return true;
    });
    const insertErrors: Array<{ index: number; errors: Array<{ reason: string; location: string; debugInfo: string; message: string }> }> = [];
    const anyInvalid = problems.some((p) => p.length > 0);
    rows.forEach((row, index) => {
      if (problems[index].length > 0) insertErrors.push({ index, errors: problems[index] });
      else if (transient[index]) insertErrors.push({ index, errors: [{ reason: "backendError", location: "", debugInfo: "", message: "fake-bigquery: scripted backend error" }] });
      else if (anyInvalid && body.skipInvalidRows !== true) insertErrors.push({ index, errors: [{ reason: "stopped", location: "", debugInfo: "", message: "" }] });
      else if (row.insertId === null || !table.insertIds.has(row.insertId)) {
        if (row.insertId !== null) table.insertIds.add(row.insertId);
        table.rows.push(row);
      }
    });
    return insertErrors.length > 0 ? { kind: "bigquery#tableDataInsertAllResponse", insertErrors } : { kind: "bigquery#tableDataInsertAllResponse" };
  }

  private rowErrors(table: FakeTable, row: StoredRow, ignoreUnknown: boolean): Array<{ reason: string; location: string; debugInfo: string; message: string }> {
    const errors: Array<{ reason: string; location: string; debugInfo: string; message: string }> = [];
    const invalid = (location: string, message: string) => errors.push({ reason: "invalid", location, debugInfo: "", message });
    if (this.rejectPredicates.some((p) => p(row.json))) invalid("", "fake-bigquery: row rejected by script");
    const byName = new Map(table.fields.map((f) => [f.name, f]));
    for (const key of Object.keys(row.json)) if (!byName.has(key) && !ignoreUnknown) invalid(key, `no such field: ${key}.`);
    for (const f of table.fields) {
      const v = row.json[f.name];
      if (v === undefined || v === null) {
        if (f.mode === "REQUIRED") invalid(f.name, `Missing required field: ${f.name}.`);
        continue;
      }
      if (!valueFits(f.type, v)) invalid(f.name, `Cannot convert value to ${f.type.toLowerCase()}: field ${f.name}.`);
    }
    return errors;
  }
}

function valueFits(type: string, v: unknown): boolean {
  switch (type) {
    case "STRING":
      return typeof v === "string";
    case "INT64":
    case "INTEGER":
      return (typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^-?\d+$/.test(v));
    case "BOOL":
    case "BOOLEAN":
      return typeof v === "boolean" || v === "true" || v === "false";
    case "TIMESTAMP":
      return typeof v === "number" || (typeof v === "string" && !Number.isNaN(Date.parse(v)));
    case "JSON":
      if (typeof v !== "string") return true;
      try {
        JSON.parse(v);
        return true;
      } catch {
        return false;
      }
    default:
      return true;
  }
}
