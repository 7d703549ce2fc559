/**
 * Rates from local snapshots in Open Exchange Rates' JSON shape, either a directory of
 * `YYYY-MM-DD.json` files or one JSON-lines file of such objects each with a `date` field
 * (a later line for the same date wins). Dates without a snapshot are absent from the table.
 *
 * `new SnapshotRates({ dir: "rates" }).ratesFor(["2024-03-08"])` reads `rates/2024-03-08.json`
 * -> `{ "2024-03-08": { "USD": 1, "EUR": 0.92, ... } }`.
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import type { RateTable } from "../rate-table";
import { DatedOxrSnapshot, OxrSnapshot, usdRates } from "./oxr-snapshot";
import type { RatesProvider } from "./provider";

export type SnapshotSource = { readonly dir: string } | { readonly jsonl: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A snapshot file that is not JSON or not in Open Exchange Rates' shape; the message starts with the file (and line). */
export class SnapshotFormatError extends Error {}

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR");
}

async function readDay(dir: string, date: string): Promise<Record<string, number> | null> {
  const file = path.join(dir, `${date}.json`);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SnapshotFormatError(`${file}: malformed JSON`);
  }
  const parsed = OxrSnapshot.safeParse(json);
  const rates = parsed.success ? usdRates(parsed.data) : null;
  if (rates === null) throw new SnapshotFormatError(`${file}: not an Open Exchange Rates snapshot with a USD rate`);
  return rates;
}

async function readLines(file: string): Promise<ReadonlyMap<string, Record<string, number>>> {
  const byDate = new Map<string, Record<string, number>>();
  const lines = (await readFile(file, "utf8")).split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new SnapshotFormatError(`${file}:${i + 1}: malformed JSON`);
    }
    const parsed = DatedOxrSnapshot.safeParse(json);
    const rates = parsed.success ? usdRates(parsed.data) : null;
    if (!parsed.success || rates === null) throw new SnapshotFormatError(`${file}:${i + 1}: not a dated Open Exchange Rates snapshot`);
    byDate.set(parsed.data.date, rates);
  });
  return byDate;
}

export class SnapshotRates implements RatesProvider {
  private lines: Promise<ReadonlyMap<string, Record<string, number>>> | null = null;

  constructor(private readonly source: SnapshotSource) {}

  async ratesFor(dates: string[]): Promise<RateTable> {
    const wanted = [...new Set(dates)].filter((d) => DATE.test(d)).sort();
    const entries: Array<[string, Record<string, number>]> = [];
    if ("dir" in this.source) {
      const dir = this.source.dir;
      const days = await Promise.all(wanted.map((d) => readDay(dir, d)));
      wanted.forEach((d, i) => {
        const rates = days[i];
        if (rates !== null) entries.push([d, rates]);
      });
    } else {
      if (this.lines === null) {
        const pending = readLines(this.source.jsonl);
        this.lines = pending;
        pending.catch(() => {
          if (this.lines === pending) this.lines = null; // a failed read is retried on the next call
        });
      }
      const byDate = await this.lines;
      for (const d of wanted) {
        const rates = byDate.get(d);
        if (rates !== undefined) entries.push([d, rates]);
      }
    }
    return Object.fromEntries(entries);
  }
}
