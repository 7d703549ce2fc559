/**
 * `recover run` through the real CLI (bin/recover.js, child processes) on a small generated
 * file: stdout is the summary, outputs exist, stdin input gives the same outputs, and bad
 * usage / config / --now each give one stderr line and exit code 2; a SIGTERM sent to the CLI's
 * pid ends the re-executed child too.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RunSummary } from "../../src/pipelines/run-recover";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = path.join(ROOT, "bin", "recover.js");
const NOW = "2026-11-25T12:00:00Z";

function cli(args: string[], input?: Buffer, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", input, env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  if (r.error !== undefined) throw r.error;
  return r;
}

const dirs = { tmp: "", input: "" };

before(() => {
  dirs.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cli-test-"));
  dirs.input = path.join(dirs.tmp, "events.jsonl");
  const g = cli(["generate", "--events", "3000", "--seed", "3", "--out", dirs.input, "--now", NOW]);
  assert.equal(g.status, 0, g.stderr);
});

after(() => {
  if (dirs.tmp !== "") fs.rmSync(dirs.tmp, { recursive: true, force: true });
});

function sortedLines(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .sort();
}

const OUTPUT_FILES = ["events.jsonl", "flags.jsonl", "dead_letter.jsonl", "summary.json", "recovery.duckdb"];

/** The counting fields of a summary (not timings, memory or the input name, which vary per run). */
function counts(s: RunSummary): Record<string, unknown> {
  const { now, lines, blank_lines, events, flags, dead_letters, flags_by_kind, pending_deadlines, chain_key_missing, conservation } = s;
  return { now, lines, blank_lines, events, flags, dead_letters, flags_by_kind, pending_deadlines, chain_key_missing, conservation };
}

test("recover run: exit 0, stdout is the summary JSON, every output file exists", () => {
  const out = path.join(dirs.tmp, "out-file");
  const r = cli(["run", "--input", dirs.input, "--out", out, "--now", NOW, "--quiet"]);
  assert.equal(r.status, 0, r.stderr);
  const stdout = JSON.parse(r.stdout) as RunSummary;
  const file = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8")) as RunSummary;
  assert.deepEqual(stdout, file, "stdout summary = summary.json");
  assert.equal(stdout.lines, 3000);
  assert.equal(stdout.now, "2026-11-25T12:00:00.000Z");
  assert.equal(stdout.conservation.holds, true, stdout.conservation.equation);
  for (const f of OUTPUT_FILES) assert.ok(fs.existsSync(path.join(out, f)), `${f} exists`);
  assert.equal(sortedLines(path.join(out, "events.jsonl")).length, stdout.events);
  assert.equal(sortedLines(path.join(out, "flags.jsonl")).length, stdout.flags);
  assert.equal(sortedLines(path.join(out, "dead_letter.jsonl")).length, stdout.dead_letters);
});

test("recover run --input - (stdin) gives the same outputs as the file", () => {
  const a = path.join(dirs.tmp, "out-a");
  const b = path.join(dirs.tmp, "out-stdin");
  const ra = cli(["run", "--input", dirs.input, "--out", a, "--now", NOW, "--quiet", "--no-duckdb"]);
  assert.equal(ra.status, 0, ra.stderr);
  const rb = cli(["run", "--input", "-", "--out", b, "--now", NOW, "--quiet", "--no-duckdb"], fs.readFileSync(dirs.input));
  assert.equal(rb.status, 0, rb.stderr);
  for (const f of ["events.jsonl", "flags.jsonl", "dead_letter.jsonl"]) {
    assert.deepEqual(sortedLines(path.join(b, f)), sortedLines(path.join(a, f)), f);
  }
  const sa = JSON.parse(ra.stdout) as RunSummary;
  const sb = JSON.parse(rb.stdout) as RunSummary;
  assert.equal(sb.input, "-");
  assert.deepEqual(counts(sb), counts(sa));
});

test("recover run says whether currency revalidation ran: off without --rates (a stderr line unless --quiet), else the dates its rates cover", () => {
  const rates = dirs.input.replace(/\.jsonl$/, ".rates.jsonl");
  const off = cli(["run", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-no-rates"), "--now", NOW, "--no-duckdb"]);
  assert.equal(off.status, 0, off.stderr);
  const offSummary = JSON.parse(off.stdout) as RunSummary;
  assert.deepEqual(offSummary.currency_revalidation, { on: false, rate_dates: 0, first_date: null, last_date: null });
  assert.equal(offSummary.flags_by_kind["currency_mismatch"], undefined);
  assert.match(off.stderr, /currency revalidation is off: no --rates given/);
  const quiet = cli(["run", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-no-rates-quiet"), "--now", NOW, "--no-duckdb", "--quiet"]);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /currency revalidation/);
  const on = cli(["run", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-rates"), "--now", NOW, "--no-duckdb", "--rates", rates]);
  assert.equal(on.status, 0, on.stderr);
  const onSummary = JSON.parse(on.stdout) as RunSummary;
  const snapshotDates = fs
    .readFileSync(rates, "utf8")
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as { date: string }).date)
    .sort();
  assert.equal(onSummary.currency_revalidation.on, true);
  assert.ok(onSummary.currency_revalidation.rate_dates > 0);
  assert.ok(onSummary.currency_revalidation.first_date! >= snapshotDates[0], "first date within the snapshots");
  assert.ok(onSummary.currency_revalidation.last_date! <= snapshotDates[snapshotDates.length - 1], "last date within the snapshots");
  assert.ok((onSummary.flags_by_kind["currency_mismatch"] ?? 0) > 0, "the generated currency faults are found with rates");
  assert.doesNotMatch(on.stderr, /currency revalidation/);
});

test("recover run names configured event types no valid event had (a typo switches a rule off), and none on the defaults", () => {
  const defaults = cli(["run", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-types-default"), "--now", NOW, "--no-duckdb"]);
  assert.equal(defaults.status, 0, defaults.stderr);
  assert.deepEqual((JSON.parse(defaults.stdout) as RunSummary).unseen_event_types, []);
  assert.doesNotMatch(defaults.stderr, /configured event types/);
  const config = path.join(dirs.tmp, "typo-config.json");
  const steps = [
    { event_type: "card.scanned", key: "data.lead_id" },
    { event_type: "crm.synched", key: "data.lead_id", max_delay_ms: 900_000 },
  ];
  fs.writeFileSync(config, JSON.stringify({ chains: [{ name: "lead_sync", steps }] }));
  const typo = cli(["run", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-types-typo"), "--now", NOW, "--no-duckdb", "--config", config]);
  assert.equal(typo.status, 0, typo.stderr);
  const summary = JSON.parse(typo.stdout) as RunSummary;
  assert.deepEqual(summary.unseen_event_types, ["chains.lead_sync.steps[1]: crm.synched"]);
  // The misspelt step never arrives, so every scan past its deadline is "missing downstream": a
  // flood of false alarms that the note explains.
  assert.ok((summary.flags_by_kind["missing_downstream"] ?? 0) > 100, `missing_downstream: ${summary.flags_by_kind["missing_downstream"]}`);
  assert.match(typo.stderr, /configured event types that no valid event had .*chains\.lead_sync\.steps\[1\]: crm\.synched/);
});

test("a replay of old events without --now: every line a timestamp_stale dead letter, counted per code and explained on stderr (run and stream)", () => {
  const later = "2027-01-30T00:00:00Z"; // the generated events are 60-74 days older
  const run = cli(["run", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-stale"), "--now", later, "--no-duckdb"]);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as RunSummary;
  assert.equal(summary.events, 0);
  assert.equal(summary.dead_letters, summary.lines);
  const stale = summary.dead_letters_by_code["timestamp_stale"] ?? 0;
  assert.ok(stale > 0.99 * summary.lines, JSON.stringify(summary.dead_letters_by_code)); // the rest: the generator's few bad lines
  assert.equal(Object.values(summary.dead_letters_by_code).reduce((a, b) => a + b, 0), summary.lines);
  assert.deepEqual(summary.unseen_event_types, [], "no valid event: nothing to say about the config");
  assert.doesNotMatch(run.stderr, /configured event types/);
  assert.match(run.stderr, new RegExp(`\\[recover\\] ${summary.lines} of ${summary.lines} lines are dead letters \\(timestamp_stale ${stale}, .*\\): .*max_age_ms \\(30 d\\) before processing time 2027-01-30T00:00:00.000Z; replaying older events\\? pass --now`));
  const stream = cli(["stream", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-stale-stream"), "--now", later, "--no-duckdb"]);
  assert.equal(stream.status, 0, stream.stderr);
  const s = JSON.parse(stream.stdout) as { dead_letters_by_code: Record<string, number>; unseen_event_types: string[]; lines: number };
  assert.deepEqual(s.dead_letters_by_code, summary.dead_letters_by_code);
  assert.deepEqual(s.unseen_event_types, []);
  assert.match(stream.stderr, /\[stream\] \d+ of \d+ lines are dead letters \(timestamp_stale \d+, .*pass --now/);
  assert.doesNotMatch(stream.stderr, /event-time lag \d{7,} s/, "no valid event: no lag from a watermark that never was");

  const normal = cli(["run", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-stale-normal"), "--now", NOW, "--no-duckdb"]);
  assert.equal(normal.status, 0, normal.stderr);
  const n = JSON.parse(normal.stdout) as RunSummary;
  assert.ok(n.dead_letters > 0 && n.dead_letters < n.lines / 10, `the generated file's few bad lines: ${n.dead_letters}`);
  assert.equal(Object.values(n.dead_letters_by_code).reduce((a, b) => a + b, 0), n.dead_letters, JSON.stringify(n.dead_letters_by_code));
  assert.doesNotMatch(normal.stderr, /lines are dead letters/, "a small share: no notice");
});

test("recover run and recover stream count the events a rule could not judge for a missing key field", () => {
  const file = path.join(dirs.tmp, "missing-keys.jsonl");
  const at = (min: number) => new Date(Date.parse("2026-11-25T10:00:00Z") + min * 60_000).toISOString();
  const lines = [
    { event_id: "d1", source: "shop", timestamp: at(0), event_type: "discount.issued", data: { user_id: "u1", program: "spring" } },
    { event_id: "d2", source: "shop", timestamp: at(1), event_type: "discount.issued", data: { user_id: "u1" } },
    { event_id: "d3", source: "shop", timestamp: at(2), event_type: "discount.issued", data: { program: "spring" } },
    { event_id: "c1", source: "scanner", timestamp: at(3), event_type: "card.scanned", data: { lead_id: "L1" } },
    { event_id: "c2", source: "scanner", timestamp: at(4), event_type: "card.scanned", data: {} },
  ];
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const run = cli(["run", "--input", file, "--out", path.join(dirs.tmp, "out-missing-keys"), "--now", NOW, "--no-duckdb", "--quiet"]);
  assert.equal(run.status, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as RunSummary;
  assert.equal(summary.business_key_missing, 2, "d2 and d3");
  assert.equal(summary.chain_key_missing, 1, "c2");
  const stream = cli(["stream", "--input", file, "--out", path.join(dirs.tmp, "out-missing-keys-stream"), "--state", path.join(dirs.tmp, "state-missing-keys"), "--batch-size", "2", "--now", NOW, "--no-duckdb", "--quiet"]);
  assert.equal(stream.status, 0, stream.stderr);
  const streamed = JSON.parse(stream.stdout) as { business_key_missing: number; chain_key_missing: number };
  assert.equal(streamed.business_key_missing, 2);
  assert.equal(streamed.chain_key_missing, 1);
});

function assertUsageError(r: SpawnSyncReturns<string>, what: string): void {
  assert.equal(r.status, 2, `${what}: exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.split("\n").filter((l) => l.trim().length > 0);
  assert.equal(lines.length, 1, `${what}: one stderr line, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], /^recover: /, what);
}

test("recover run: bad usage, bad config and bad --now exit 2 with one stderr line", () => {
  const out = path.join(dirs.tmp, "out-bad");
  assertUsageError(cli(["run", "--input", dirs.input, "--out", out, "--bogus"]), "--bogus");
  assertUsageError(cli(["run", "--out", out, "--now", NOW]), "missing --input");
  assertUsageError(cli(["run", "--input", dirs.input, "--now", NOW]), "missing --out");
  assertUsageError(cli(["run", "--input", path.join(dirs.tmp, "nope.jsonl"), "--out", out, "--now", NOW]), "input does not exist");

  const malformed = path.join(dirs.tmp, "malformed.json");
  fs.writeFileSync(malformed, '{"near_duplicate_window_ms": 1000,\n  "chains": [\n');
  assertUsageError(cli(["run", "--input", dirs.input, "--out", out, "--config", malformed, "--now", NOW]), "malformed --config");

  const invalid = path.join(dirs.tmp, "invalid.json");
  fs.writeFileSync(invalid, JSON.stringify({ near_duplicate_window_ms: -5 }));
  const r = cli(["run", "--input", dirs.input, "--out", out, "--config", invalid, "--now", NOW]);
  assertUsageError(r, "invalid config value");
  assert.match(r.stderr, /near_duplicate_window_ms/, "names the config path");

  const unknownKey = path.join(dirs.tmp, "unknown.json");
  fs.writeFileSync(unknownKey, JSON.stringify({ near_duplicate_window: 5 }));
  assertUsageError(cli(["run", "--input", dirs.input, "--out", out, "--config", unknownKey, "--now", NOW]), "unknown config key");

  const badChain = path.join(dirs.tmp, "bad-chain.json");
  fs.writeFileSync(badChain, JSON.stringify({ chains: [{ name: "c", steps: [{ event_type: "a", key: "data.k" }] }] }));
  assertUsageError(cli(["run", "--input", dirs.input, "--out", out, "--config", badChain, "--now", NOW]), "chain with one step");

  assertUsageError(cli(["run", "--input", dirs.input, "--out", out, "--now", "2026-11-25T12:00:00"]), "--now without zone");
  assertUsageError(cli(["run", "--input", dirs.input, "--out", out, "--now", "yesterday"]), "--now not a date");
  assertUsageError(cli(["run", "--input", dirs.input, "--out", out, "--now", "2026-02-30T12:00:00Z"]), "--now 30 February");
  assertUsageError(cli(["bogus-command"]), "unknown command");
  assertUsageError(cli(["stream", "--subscription", "projects/p/subscriptions/s", "--out", out, "--no-flush"]), "--no-flush on a subscription without --until-idle");
});

/** Exit code `status` and exactly one stderr line, `line`. */
function assertExit(r: SpawnSyncReturns<string>, status: number, line: string): void {
  assert.deepEqual({ status: r.status, stderr: r.stderr }, { status, stderr: line + "\n" });
}

test("a path argument that does not exist or cannot serve is a usage error (exit 2) naming the command, the flag and the problem, for every command", () => {
  const nope = path.join(dirs.tmp, "nope.jsonl");
  const file = path.join(dirs.tmp, "a-file.txt");
  fs.writeFileSync(file, "x\n");
  const dir = fs.mkdtempSync(path.join(dirs.tmp, "a-dir-"));
  const garbage = path.join(dirs.tmp, "garbage.rates.jsonl");
  fs.writeFileSync(garbage, "{oops\n");
  const out = path.join(dirs.tmp, "out-paths");
  const run = (...more: string[]) => cli(["run", "--input", dirs.input, "--out", out, "--now", NOW, "--quiet", "--no-duckdb", ...more]);
  assertExit(cli(["run", "--input", nope, "--out", out, "--now", NOW]), 2, `recover: run: --input ${nope} does not exist`);
  assertExit(cli(["run", "--input", dir, "--out", out, "--now", NOW]), 2, `recover: run: --input ${dir} is a directory`);
  assertExit(cli(["run", "--input", dirs.input, "--out", file, "--now", NOW]), 2, `recover: run: --out ${file} is not a directory`);
  assertExit(cli(["run", "--input", dirs.input, "--out", path.join(file, "sub", "out"), "--now", NOW]), 2, `recover: run: --out ${path.join(file, "sub", "out")} cannot be created: ${file} is not a directory`);
  assertExit(run("--config", nope), 2, `recover: run: --config ${nope} does not exist`);
  assertExit(run("--config", dir), 2, `recover: run: --config ${dir} is a directory`);
  assertExit(run("--rates", nope), 2, `recover: run: --rates ${nope} does not exist`);
  assertExit(run("--rates", garbage), 2, `recover: run: --rates ${garbage}:1: malformed JSON`);
  assert.equal(fs.existsSync(out), false, "nothing created");

  const stream = (...more: string[]) => cli(["stream", "--input", dirs.input, "--out", out, "--now", NOW, "--quiet", "--no-duckdb", ...more]);
  assertExit(cli(["stream", "--input", nope, "--out", out]), 2, `recover: stream: --input ${nope} does not exist`);
  assertExit(cli(["stream", "--input", dir, "--out", out]), 2, `recover: stream: --input ${dir} is a directory`);
  assertExit(cli(["stream", "--input", dirs.input, "--out", file]), 2, `recover: stream: --out ${file} is not a directory`);
  assertExit(stream("--config", nope), 2, `recover: stream: --config ${nope} does not exist`);
  assertExit(stream("--rates", nope), 2, `recover: stream: --rates ${nope} does not exist`);
  assertExit(stream("--rates", garbage), 2, `recover: stream: --rates ${garbage}:1: malformed JSON`);
  assertExit(stream("--state", file), 2, `recover: stream: --state ${file} is not a directory`);
  assertExit(stream("--state", "ftp://host/x"), 2, 'recover: stream: --state ftp://host/x: state location "ftp://host/x": unsupported scheme ftp (use redis://, file: or a directory)');
  assertExit(stream("--batch-log", dir), 2, `recover: stream: --batch-log ${dir} is a directory`);
  assertExit(stream("--batch-log", path.join(dirs.tmp, "no-such-dir", "batches.jsonl")), 2, `recover: stream: --batch-log ${path.join(dirs.tmp, "no-such-dir", "batches.jsonl")} cannot be created: directory ${path.join(dirs.tmp, "no-such-dir")} does not exist`);
  assert.equal(fs.existsSync(out), false, "nothing created");

  assertExit(cli(["generate", "--events", "10", "--out", dir]), 2, `recover: generate: --out ${dir} is a directory`);
  const lost = path.join(dirs.tmp, "no-such-dir", "events.jsonl");
  assertExit(cli(["generate", "--events", "10", "--out", lost]), 2, `recover: generate: --out ${lost} cannot be created: directory ${path.dirname(lost)} does not exist`);
  // A batch log directly in an --out still to be created passes the checks (the stream creates --out
  // first); the --batch-size error after them shows they passed.
  const fresh = path.join(dirs.tmp, "fresh-out");
  assertExit(cli(["stream", "--input", dirs.input, "--out", fresh, "--batch-log", path.join(fresh, "batches.jsonl"), "--batch-size", "0"]), 2, 'recover: stream: --batch-size must be a positive number (got "0")');
  const dangling = path.join(dirs.tmp, "dangling-out");
  fs.symlinkSync(path.join(dirs.tmp, "no-such-target"), dangling);
  assertExit(cli(["run", "--input", dirs.input, "--out", dangling]), 2, `recover: run: --out ${dangling} is a symbolic link to nothing`);
  const sample = path.join(dirs.tmp, "losses.jsonl");
  assertExit(cli(["generate", "--scenario", "bogus", "--out", sample]), 2, 'recover: generate: --scenario must be faults or silent-losses (got "bogus")');
  assertExit(cli(["generate", "--scenario", "silent-losses", "--events", "10", "--out", sample]), 2, "recover: generate: --events and --now do not apply to --scenario silent-losses");
  assertExit(cli(["generate", "--out", sample]), 2, "recover: generate: --events N must be a positive integer");
  assert.equal(fs.existsSync(sample), false, "nothing written");
});

test("a runtime failure of a path argument's provider stays exit 1, naming the flag", () => {
  const env = { ...process.env };
  delete env.OXR_APP_ID;
  const r = cli(["run", "--input", dirs.input, "--out", path.join(dirs.tmp, "out-oxr"), "--now", NOW, "--quiet", "--no-duckdb", "--rates", "oxr"], undefined, env);
  assertExit(r, 1, "recover: run: --rates oxr: OXR_APP_ID is not set");
});

test("recover run of an empty input: exit 0, empty outputs, and one stderr line saying so (none with --quiet)", () => {
  const empty = path.join(dirs.tmp, "empty.jsonl");
  fs.writeFileSync(empty, "");
  const r = cli(["run", "--input", empty, "--out", path.join(dirs.tmp, "out-empty"), "--now", NOW, "--no-duckdb"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as RunSummary).lines, 0);
  const notices = r.stderr.split("\n").filter((l) => l.includes("no lines"));
  assert.deepEqual(notices, ["[recover] the input held no lines: nothing to recover, every output is empty"]);
  const stdin = cli(["run", "--input", "-", "--out", path.join(dirs.tmp, "out-empty-stdin"), "--now", NOW, "--no-duckdb"], Buffer.alloc(0));
  assert.equal(stdin.status, 0, stdin.stderr);
  assert.match(stdin.stderr, /^\[recover\] the input held no lines: nothing to recover, every output is empty$/m);
  const quiet = cli(["run", "--input", empty, "--out", path.join(dirs.tmp, "out-empty-quiet"), "--now", NOW, "--no-duckdb", "--quiet"]);
  assert.deepEqual({ status: quiet.status, stderr: quiet.stderr }, { status: 0, stderr: "" });
});

test("recover COMMAND --help prints that command's help on stdout and exits 0 (nothing run, no output written)", () => {
  for (const [command, name] of [["run", "run"], ["stream", "stream"], ["generate", "generate"], ["sql", "sql anomalies"]]) {
    const out = path.join(dirs.tmp, `out-help-${command}`);
    const r = cli([command, "--out", out, "--help"]);
    assert.equal(r.status, 0, `${command} --help: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`usage: recover ${name} `), `${command}: ${r.stdout.slice(0, 80)}`);
    assert.match(r.stdout, /\n {2}--/, `${command}: lists flags`);
    assert.equal(r.stderr, "", command);
    assert.equal(fs.existsSync(out), false, `${command} --help wrote nothing`);
  }
  assert.equal(cli(["run", "-h"]).status, 0);
});

/** Pids of the processes whose parent is `pid` (procps `ps`). */
function childrenOf(pid: number): number[] {
  const r = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  return r.stdout.split("\n").map((l) => Number(l.trim())).filter((n) => n > 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("recover run: SIGTERM to the CLI's pid ends the re-executed job too (no orphan), exit 143", async () => {
  // stdin stays open, so the job waits for input until it is stopped.
  const parent = spawn(process.execPath, [BIN, "run", "--input", "-", "--out", path.join(dirs.tmp, "out-sigterm"), "--now", NOW, "--quiet"], {
    cwd: ROOT,
    stdio: ["pipe", "ignore", "ignore"],
  });
  const exited = new Promise<number | null>((resolve) => parent.on("exit", (code) => resolve(code)));
  try {
    const pid = parent.pid as number;
    let job = 0;
    await until("the re-executed job", () => (job = childrenOf(pid)[0] ?? 0) > 0);
    parent.kill("SIGTERM");
    assert.equal(await exited, 143, "128 + SIGTERM, the job's own end");
    await until("the job to end", () => !alive(job), 5_000);
  } finally {
    parent.stdin?.end();
    parent.kill("SIGKILL");
  }
});
