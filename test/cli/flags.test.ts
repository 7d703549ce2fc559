/**
 * The CLI's flags are written once (src/cli/flags.ts): the parser takes its options from there,
 * `--help` prints them, the README's tables are them, and the defaults they show are the ones
 * the code applies.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { COMMANDS, commandHelp, flagTable } from "../../src/cli/flags";
import { DEFAULT_BATCH_MAX_MESSAGES, DEFAULT_BATCH_MAX_WAIT_MS } from "../../src/streaming/stream-loop";
import { DEFAULT_MODEL_SUFFIX } from "../../src/anomalies/sql";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "..", "README.md"), "utf8");

/**
 * Runs `main` on each argv in one child process and returns, per argv, its exit code and what it
 * wrote to stdout and stderr. Not in this process: `node --test` reads this process's stdout as
 * its report, so capturing it here would swallow the report of these very tests.
 */
function runMain(argvs: string[][]): Array<{ code: number; out: string; err: string }> {
  const script = `
    const { main } = require(${JSON.stringify(path.resolve(__dirname, "..", "..", "src", "cli", "main.js"))});
    (async () => {
      const results = [];
      for (const argv of JSON.parse(process.argv[1])) {
        const out = [], err = [];
        const [o, e] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
        process.stdout.write = (c) => (out.push(String(c)), true);
        process.stderr.write = (c) => (err.push(String(c)), true);
        let code;
        try { code = await main(argv); } finally { process.stdout.write = o; process.stderr.write = e; }
        results.push({ code, out: out.join(""), err: err.join("") });
      }
      process.stdout.write(JSON.stringify(results));
    })();`;
  const r = spawnSync(process.execPath, ["-e", script, JSON.stringify(argvs)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Array<{ code: number; out: string; err: string }>;
}

test("the README's flag table of every command is the one src/cli/flags.ts gives", () => {
  for (const spec of Object.values(COMMANDS)) assert.ok(readme.includes(`\`recover ${spec.name}\`:\n\n${flagTable(spec)}\n`), `README lacks the table of recover ${spec.name}, as flagTable gives it`);
});

test("COMMAND --help prints that command's help: every flag with its meaning", () => {
  const cases: Array<[string[], (typeof COMMANDS)[keyof typeof COMMANDS]]> = [
    [["run", "--help"], COMMANDS.run],
    [["stream", "-h"], COMMANDS.stream],
    [["generate", "--help"], COMMANDS.generate],
    [["sql", "anomalies", "--help"], COMMANDS.sqlAnomalies],
  ];
  const results = runMain(cases.map(([argv]) => argv));
  cases.forEach(([argv, spec], i) => {
    const { code, out } = results[i];
    assert.equal(code, 0);
    assert.equal(out, commandHelp(spec));
    for (const [name, flag] of Object.entries(spec.flags)) {
      assert.ok(out.includes(`--${name}`), `${argv.join(" ")}: --${name}`);
      assert.ok(out.includes(flag.description), `${argv.join(" ")}: the meaning of --${name}`);
    }
  });
});

test("each command's parser takes every flag its help lists (and a string flag's value), and refuses one it does not", () => {
  const root = path.join(os.tmpdir(), `flags-test-${process.pid}-missing`);
  const missing = path.join(root, "x");
  // Each argv fails on a path argument after parsing, so nothing runs.
  const base: Record<string, string[]> = {
    run: ["run", "--input", missing, "--out", missing],
    stream: ["stream", "--input", missing, "--out", missing],
    generate: ["generate", "--events", "5", "--out", missing],
    "sql anomalies": ["sql", "anomalies", "--table", "p.d.events"],
  };
  const listed: string[][] = [];
  for (const spec of Object.values(COMMANDS)) {
    for (const [name, flag] of Object.entries(spec.flags)) {
      if (spec.name === "stream" && (name === "dry-run" || name === "bigquery")) continue; // with --bigquery it prints DDL and runs nothing; checked below
      // A string flag gets the missing path too, so no flag can turn the argv into one that writes.
      listed.push([...base[spec.name], `--${name}`, ...(flag.type === "string" ? [missing] : [])]);
    }
  }
  const bogus = Object.values(COMMANDS).map((spec) => [...base[spec.name], "--bogus"]);
  const dryRun = [...base.stream, "--bigquery", "p.d", "--dry-run"];
  const results = runMain([...listed, ...bogus, dryRun]);
  listed.forEach((argv, i) => assert.doesNotMatch(results[i].err, /Unknown option|argument missing|does not take an argument/, `${argv.join(" ")}: ${results[i].err}`));
  bogus.forEach((argv, i) => {
    const r = results[listed.length + i];
    assert.equal(r.code, 2, argv.join(" "));
    assert.match(r.err, /Unknown option '--bogus'/, argv.join(" "));
  });
  assert.equal(results[results.length - 1].code, 0, "stream --bigquery --dry-run");
  assert.equal(fs.existsSync(root), false, "no argv wrote anything");
});

test("the defaults the help shows are the ones the code applies", () => {
  assert.equal(COMMANDS.stream.flags["batch-size"].default, String(DEFAULT_BATCH_MAX_MESSAGES));
  assert.equal(COMMANDS.stream.flags["batch-wait-ms"].default, String(DEFAULT_BATCH_MAX_WAIT_MS));
  assert.equal(COMMANDS.sqlAnomalies.flags.model.default, `TABLE${DEFAULT_MODEL_SUFFIX}`);
});
