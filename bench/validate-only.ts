/**
 * Child process of `npm run bench`: validates every line of FILE and either drops each event
 * at once or holds them all (as a bounded run must until its final watermark), with processing
 * time NOW (the bench's `--now`), then prints `{"seconds": S, "events": N, "held": N or 0}`. The difference is what holding a million events on the
 * JavaScript heap costs (allocation survivors, GC copies, page faults), apart from the rules.
 *
 *   node dist/bench/validate-only.js FILE held|dropped NOW
 */
import { parseConfig, keyPaths } from "../src/config";
import type { ReceivedEvent } from "../src/event";
import { readFileLines } from "../src/sources/jsonl-file";
import { validateLine } from "../src/validate";

const [file, mode, now] = process.argv.slice(2);
if (file === undefined || (mode !== "held" && mode !== "dropped") || !Number.isFinite(Date.parse(now ?? ""))) {
  process.stderr.write("usage: validate-only.js FILE held|dropped NOW\n");
  process.exit(2);
}
const config = parseConfig({});
const ctx = { config, nowMs: Date.parse(now), keyPaths: keyPaths(config) };
const held: ReceivedEvent[] = [];
let events = 0;
const start = process.hrtime.bigint();
for (const { bytes, line } of readFileLines(file)) {
  const v = validateLine(bytes, line, ctx);
  if (v.kind !== "event") continue;
  events += 1;
  if (mode === "held") held.push(v.event);
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(JSON.stringify({ seconds, events, held: held.length }) + "\n");
