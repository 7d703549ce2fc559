import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FakeBigQuery } from "./bigquery-fake";

// The fake's own contract, spoken directly over HTTP (the client-level behaviour is in bigquery.test).
const fakeHolder: { fake?: FakeBigQuery } = {};
const base = () => `${fakeHolder.fake!.endpoint}/bigquery/v2/projects/p`;
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base()}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

before(async () => {
  fakeHolder.fake = await FakeBigQuery.start();
  await call("POST", "/datasets", { datasetReference: { datasetId: "d" } });
  await call("POST", "/datasets/d/tables", {
    tableReference: { projectId: "p", datasetId: "d", tableId: "t" },
    schema: { fields: [{ name: "id", type: "STRING", mode: "REQUIRED" }, { name: "n", type: "INT64" }] },
  });
});
after(() => fakeHolder.fake?.close());

test("fake-bigquery answers unknown shapes with 400 and missing resources with 404", async () => {
  const unknownField = await call("POST", "/datasets/d/tables/t/insertAll", { rows: [{ json: { id: "a" } }], bogus: 1 });
  assert.equal(unknownField.status, 400);
  assert.deepEqual((unknownField.body.error as { errors: unknown[] }).errors, [{ message: "TableDataInsertAllRequest: unknown field 'bogus'", domain: "global", reason: "invalid" }]);
  assert.equal((await call("POST", "/datasets/d/tables/t/insertAll", { rows: [{ id: "a" }] })).status, 400);
  assert.equal((await call("GET", "/datasets/nope")).status, 404);
  assert.equal((await call("GET", "/datasets/d/tables/nope")).status, 404);
  assert.equal((await call("POST", "/datasets", { datasetReference: { datasetId: "d" } })).status, 409);
  assert.equal((await call("DELETE", "/datasets/d")).status, 400);
});

test("fake-bigquery insertAll: skipInvalidRows false stores nothing and marks the valid rows stopped", async () => {
  const res = await call("POST", "/datasets/d/tables/t/insertAll", {
    kind: "bigquery#tableDataInsertAllRequest",
    rows: [{ insertId: "1", json: { id: "a", n: 1 } }, { insertId: "2", json: { n: "x" } }],
  });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    kind: "bigquery#tableDataInsertAllResponse",
    insertErrors: [
      { index: 0, errors: [{ reason: "stopped", location: "", debugInfo: "", message: "" }] },
      {
        index: 1,
        errors: [
          { reason: "invalid", location: "id", debugInfo: "", message: "Missing required field: id." },
          { reason: "invalid", location: "n", debugInfo: "", message: "Cannot convert value to int64: field n." },
        ],
      },
    ],
  });
  assert.equal(fakeHolder.fake!.rows("p", "d", "t").length, 0);
});

test("fake-bigquery insertAll: skipInvalidRows stores valid rows once per insertId", async () => {
  const rows = [{ insertId: "k1", json: { id: "a" } }, { insertId: "k2", json: { id: "b", extra: true } }];
  const first = await call("POST", "/datasets/d/tables/t/insertAll", { skipInvalidRows: true, rows });
  assert.deepEqual(first.body, {
    kind: "bigquery#tableDataInsertAllResponse",
    insertErrors: [{ index: 1, errors: [{ reason: "invalid", location: "extra", debugInfo: "", message: "no such field: extra." }] }],
  });
  const second = await call("POST", "/datasets/d/tables/t/insertAll", { skipInvalidRows: true, ignoreUnknownValues: true, rows });
  assert.deepEqual(second.body, { kind: "bigquery#tableDataInsertAllResponse" });
  assert.deepEqual(
    fakeHolder.fake!.rows("p", "d", "t").map((r) => r.insertId),
    ["k1", "k2"],
  );
});

test("fake-bigquery failNext answers with the scripted status and Google's error body", async () => {
  fakeHolder.fake!.failNext(1, 429);
  const res = await call("GET", "/datasets/d");
  assert.equal(res.status, 429);
  assert.equal((res.body.error as { status: string }).status, "RESOURCE_EXHAUSTED");
  assert.equal((await call("GET", "/datasets/d")).status, 200);
});
