/**
 * Reading rows of fake-bigquery the way BigQuery would answer a query: the rows are loaded into
 * DuckDB tables with the BigQuery tables' columns (bigquery-schema), so the SQL the sink creates
 * (its `_once` views' queries) runs on them unchanged but for the table name.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { ONCE_VIEWS, onceViewQuery, TABLE_SPECS, type BigQueryColumnType, type BigQueryTableNames } from "../../src/sinks/bigquery-schema";
import type { StoredRow } from "./bigquery-fake";

const DUCK_TYPE: Record<BigQueryColumnType, string> = { STRING: "VARCHAR", INT64: "BIGINT", BOOL: "BOOLEAN", TIMESTAMP: "TIMESTAMPTZ", JSON: "VARCHAR" };

/** Creates DuckDB table `name` with the columns of output `key`'s BigQuery table, holding `rows`. */
export async function loadRows(con: DuckDBConnection, name: string, key: keyof BigQueryTableNames, rows: ReadonlyArray<StoredRow>): Promise<void> {
  const columns = TABLE_SPECS[key].columns;
  await con.run(`CREATE TABLE ${name} (${columns.map((c) => `${c.name} ${DUCK_TYPE[c.type]}`).join(", ")})`);
  const placeholders = columns.map((c) => (c.type === "TIMESTAMP" ? "CAST(? AS TIMESTAMPTZ)" : c.type === "INT64" ? "CAST(? AS BIGINT)" : "?")).join(", ");
  for (const row of rows) {
    await con.run(`INSERT INTO ${name} VALUES (${placeholders})`, columns.map((c) => (row.json[c.name] ?? null) as string | number | boolean | null));
  }
}

/** `columns` of every row output `key`'s exactly-once view returns over DuckDB table `name`, as `a|b|...` texts, sorted. */
export async function readOnce(con: DuckDBConnection, name: string, key: keyof BigQueryTableNames, columns: ReadonlyArray<string>): Promise<string[]> {
  const reader = await con.runAndReadAll(`SELECT ${columns.join(", ")} FROM (${onceViewQuery(name, ONCE_VIEWS[key])}) ORDER BY ALL`);
  return reader.getRows().map((r) => r.map((v) => (v === null ? "null" : String(v))).join("|"));
}
