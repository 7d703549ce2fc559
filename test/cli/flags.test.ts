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
import { COMMANDS, commandHelp, flagTable, parseArgsOptions } from "../../src/cli/flags";
import { main } from "../../src/cli/main";
import { DEFAULT_BATCH_MAX_MESSAGES, DEFAULT_BATCH_MAX_WAIT_MS } from "../../src/streaming/stream-loop";
import { DEFAULT_MODEL_SUFFIX } from "../../src/anomalies/sql";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "..", "README.md"), "utf8");

/** What `main(argv)` writes to stdout, and its exit code. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await main(argv);
    return { code, out: chunks.join("") };
  } finally {
    process.stdout.write = write;
  }
}

test("the README's flag table of every command is the one src/cli/flags.ts gives", () => {
  for (const spec of Object.values(COMMANDS)) assert.ok(readme.includes(`\`recover ${spec.name}\`:\n\n${flagTable(spec)}\n`), `README lacks the table of recover ${spec.name}, as flagTable gives it`);
});

test("COMMAND --help prints that command's help: every flag with its meaning", async () => {
  const cases: Array<[string[], (typeof COMMANDS)[keyof typeof COMMANDS]]> = [
    [["run", "--help"], COMMANDS.run],
    [["stream", "-h"], COMMANDS.stream],
    [["generate", "--help"], COMMANDS.generate],
    [["sql", "anomalies", "--help"], COMMANDS.sqlAnomalies],
  ];
  for (const [argv, spec] of cases) {
    const { code, out } = await run(argv);
    assert.equal(code, 0);
    assert.equal(out, commandHelp(spec));
    for (const [name, flag] of Object.entries(spec.flags)) {
      assert.ok(out.includes(`--${name}`), `${argv.join(" ")}: --${name}`);
      assert.ok(out.includes(flag.description), `${argv.join(" ")}: the meaning of --${name}`);
    }
  }
});

/** What `main(argv)` writes to stderr, and its exit code (stdout discarded). */
async function runErr(argv: string[]): Promise<{ code: number; err: string }> {
  const chunks: string[] = [];
  const [out, err] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(argv), err: chunks.join("") };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

test("each command's parser takes every flag its help lists (and a string flag's value), and refuses one it does not", async () => {
  const root = path.join(os.tmpdir(), `flags-test-${process.pid}-missing`);
  const missing = path.join(root, "x");
  // Each argv fails on a path argument after parsing, so nothing runs.
  const base: Record<string, string[]> = {
    run: ["run", "--input", missing, "--out", missing],
    stream: ["stream", "--input", missing, "--out", missing],
    generate: ["generate", "--events", "5", "--out", missing],
    "sql anomalies": ["sql", "anomalies", "--table", "p.d.events"],
  };
  for (const spec of Object.values(COMMANDS)) {
    for (const [name, flag] of Object.entries(spec.flags)) {
      if (spec.name === "stream" && (name === "dry-run" || name === "bigquery")) continue; // with --bigquery it prints DDL and runs nothing; checked below
      // A string flag gets the missing path too, so no flag can turn the argv into one that writes.
      const argv = [...base[spec.name], `--${name}`, ...(flag.type === "string" ? [missing] : [])];
      const { err } = await runErr(argv);
      assert.doesNotMatch(err, /Unknown option|argument missing|does not take an argument/, `${argv.join(" ")}: ${err}`);
    }
    const { code, err } = await runErr([...base[spec.name], "--bogus"]);
    assert.equal(code, 2, spec.name);
    assert.match(err, /Unknown option '--bogus'/, spec.name);
  }
  assert.equal((await runErr([...base.stream, "--bigquery", "p.d", "--dry-run"])).code, 0);
  assert.equal(fs.existsSync(root), false, "no argv wrote anything");
  // The options handed to parseArgs have each flag's type.
  for (const spec of Object.values(COMMANDS)) {
    const options: Record<string, { type: string }> = parseArgsOptions(spec.flags);
    for (const [name, flag] of Object.entries(spec.flags)) assert.equal(options[name].type, flag.type, `${spec.name} --${name}`);
  }
});

test("the defaults the help shows are the ones the code applies", () => {
  assert.equal(COMMANDS.stream.flags["batch-size"].default, String(DEFAULT_BATCH_MAX_MESSAGES));
  assert.equal(COMMANDS.stream.flags["batch-wait-ms"].default, String(DEFAULT_BATCH_MAX_WAIT_MS));
  assert.equal(COMMANDS.sqlAnomalies.flags.model.default, `TABLE${DEFAULT_MODEL_SUFFIX}`);
  assert.equal(COMMANDS.run.flags["wait-for-lock"].default, "0");
});
