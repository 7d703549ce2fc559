/**
 * Shared helpers of the `recover stream` end-to-end tests: services, the CLI as a child
 * process, publishing a file in order, JSON-lines readers, flag comparisons.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { PubSub } from "@google-cloud/pubsub";
import { Redis } from "ioredis";
import type { Flag } from "../../src/event";
import type { TruthRecord } from "../../src/generate/truth";
import { PubSubPublisher } from "../../src/sources/pubsub-publisher";
import { startService } from "../state/services";

/** The project root: this file runs as dist/test/streaming/support.js. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const BIN = path.join(ROOT, "bin", "recover.js");
export const NOW = "2026-11-25T12:00:00Z";
export const PROJECT = "stream-test";
export const PUBSUB_PORT = Number(process.env.PUBSUB_PORT ?? 8085);
export const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);

/** Env for this process and the children: the emulator, no metadata server probing. */
export function emulatorEnv(): NodeJS.ProcessEnv {
  return { PUBSUB_EMULATOR_HOST: `127.0.0.1:${PUBSUB_PORT}`, METADATA_SERVER_DETECTION: "none" };
}

/** Starts (or finds) the emulator and Redis; they are left running for other tests. */
export function startServices(): void {
  Object.assign(process.env, emulatorEnv());
  startService("pubsub-emulator");
  startService("redis");
}

/** Names unique to this process and moment, so shared services never mix test runs. */
export function uniqueName(what: string): string {
  return `${what}-${process.pid}-${Date.now().toString(36)}`;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** A running CLI child; `done` settles when it exits. */
export interface CliRun {
  readonly pid: number;
  readonly done: Promise<CliResult>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `bin/recover.js ARGS` as a child (its own pid, no re-exec for `stream`). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...emulatorEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (b: Buffer) => out.push(b));
  child.stderr.on("data", (b: Buffer) => err.push(b));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), ms: Date.now() - t0 }),
    );
  });
  if (child.pid === undefined) throw new Error("recover: child did not start");
  const pid = child.pid;
  return {
    pid,
    done,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, signal);
    },
  };
}

export async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Runs `recover generate` synchronously; returns the three paths. */
export function generate(dir: string, events: number, seed: number): { file: string; truth: string; rates: string } {
  const file = path.join(dir, "generated.jsonl");
  const r = spawnSync(process.execPath, [BIN, "generate", "--events", String(events), "--seed", String(seed), "--out", file, "--now", NOW], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) throw new Error(`generate failed: ${r.stderr}`);
  return { file, truth: path.join(dir, "generated.truth.jsonl"), rates: path.join(dir, "generated.rates.jsonl") };
}

/** The lines of a JSON-lines file as strings (no trailing empty line). */
export function fileLines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function readJsonl<T>(file: string): T[] {
  return fileLines(file).map((l) => JSON.parse(l) as T);
}

/** Raw lines (bytes) of a file split on \n, to publish byte for byte. */
export function rawLines(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    out.push(buf.subarray(start, nl));
    start = nl + 1;
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

/**
 * Publishes every line as one message, in order: one request of `chunk` messages at a time,
 * each awaited before the next, so the emulator stores them in file order. Returns the
 * message ids in line order.
 */
export async function publishInOrder(client: PubSub, topic: string, lines: ReadonlyArray<Buffer>, chunk = 1_000): Promise<string[]> {
  const publisher = new PubSubPublisher(client, { maxMessagesPerRequest: chunk, maxDelayMs: 5 });
  const ids: string[] = [];
  try {
    for (let i = 0; i < lines.length; i += chunk) ids.push(...(await publisher.publish(topic, lines.slice(i, i + chunk))));
  } finally {
    await publisher.close();
  }
  return ids;
}

/** One line of `--batch-log`. */
export interface BatchLogLine {
  readonly batch: number;
  readonly messages: number;
  readonly first_line: number;
  readonly message_ids: ReadonlyArray<string | null>;
}

/** The summary `recover stream` prints (the fields these tests read). */
export interface StreamSummaryJson {
  readonly batches: number;
  readonly lines: number;
  readonly blank_lines: number;
  readonly events: number;
  readonly dead_letters: number;
  readonly redelivered: number;
  readonly flags_by_kind: Record<string, number>;
  readonly stopped_by: string;
  readonly conservation: { readonly holds: boolean; readonly equation: string };
}

export interface RunSummaryJson {
  readonly lines: number;
  readonly events: number;
  readonly flags: number;
  readonly dead_letters: number;
  readonly flags_by_kind: Record<string, number>;
  readonly conservation: { readonly holds: boolean; readonly equation: string };
}

export type { Flag, TruthRecord };

/** Kinds whose flag_id identifies the finding the same way in bounded and streaming runs. */
export const ID_KEYED_KINDS = [
  "duplicate",
  "near_duplicate",
  "sequence_reused",
  "late_step",
  "duplicate_business_key",
  "zero_duration",
  "field_swap",
  "arithmetic_mismatch",
  "currency_mismatch",
] as const;

export function flagIdsByKind(flags: ReadonlyArray<Flag>, kinds: ReadonlyArray<string>): Map<string, string[]> {
  const out = new Map<string, string[]>(kinds.map((k) => [k, []]));
  for (const f of flags) out.get(f.kind)?.push(f.flag_id);
  for (const v of out.values()) v.sort();
  return out;
}

/** (source, n) of every number in a sequence_gap range, minus the numbers a gap_filled retracted. */
export function missingNumbers(flags: ReadonlyArray<Flag>): string[] {
  const missing = new Set<string>();
  for (const f of flags) {
    if (f.kind !== "sequence_gap") continue;
    const from = Number(f.detail["from"]);
    const to = Number(f.detail["to"]);
    for (let n = from; n <= to; n++) missing.add(`${f.source}#${n}`);
  }
  for (const f of flags) if (f.kind === "gap_filled") missing.delete(`${f.source}#${Number(f.detail["sequence"])}`);
  return [...missing].sort();
}

/** (key, missing step) of every missing_upstream / missing_downstream flag, minus chain `gap_filled` retractions. */
export function missingChainSteps(flags: ReadonlyArray<Flag>): string[] {
  const filled = new Set(flags.filter((f) => f.kind === "gap_filled" && f.detail["chain"] !== undefined).map((f) => `${f.key}|${String(f.detail["step"])}`));
  return flags
    .filter((f) => f.kind === "missing_upstream" || f.kind === "missing_downstream")
    .map((f) => `${f.key}|${String(f.detail["missing"])}`)
    .filter((x) => !filled.has(x))
    .sort();
}

/** Elements of `a` not in `b` and of `b` not in `a` (sorted), for readable failures. */
export function setDiff(a: ReadonlyArray<string>, b: ReadonlyArray<string>): { onlyA: string[]; onlyB: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { onlyA: [...sa].filter((x) => !sb.has(x)).sort(), onlyB: [...sb].filter((x) => !sa.has(x)).sort() };
}

/** Values occurring more than once. */
export function repeated(values: Iterable<string>): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice].sort();
}

export function eventIdsOf(file: string): string[] {
  return fileLines(file).map((l) => (JSON.parse(l) as { event_id: string }).event_id);
}

/**
 * Claims a Redis database (1..15) no other holder uses: `SET stream-test:owner <token> NX`
 * in it, then clears the stream's fixed keys there (`recover:state`, `recover:batch` and the
 * table hashes `recover:table:*`: the CLI has no key-prefix option). `release` deletes the
 * claim and the keys.
 */
export async function claimRedisDb(token: string): Promise<{ url: string; db: number; release(): Promise<void> }> {
  for (let db = 15; db >= 1; db--) {
    const redis = new Redis(`redis://127.0.0.1:${REDIS_PORT}/${db}`, { maxRetriesPerRequest: 2 });
    try {
      const ok = await redis.set("stream-test:owner", token, "EX", 3_600, "NX");
      if (ok !== "OK") continue;
      await redis.del("recover:state", "recover:batch", ...(await redis.keys("recover:table:*")));
    } finally {
      redis.disconnect();
    }
    const url = `redis://127.0.0.1:${REDIS_PORT}/${db}`;
    return {
      url,
      db,
      async release() {
        const r = new Redis(url, { maxRetriesPerRequest: 2 });
        try {
          if ((await r.get("stream-test:owner")) === token) await r.del("stream-test:owner", "recover:state", "recover:batch", ...(await r.keys("recover:table:*")));
        } finally {
          r.disconnect();
        }
      },
    };
  }
  throw new Error("no free Redis database among 1..15");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
