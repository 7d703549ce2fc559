/**
 * Child process of `npm run bench`: the pure cores in plain Node (`recoverInProcess`: the
 * bounded pipeline's rules without Beam or sinks) over FILE with processing time NOW and the
 * rates snapshot RATES (or "-" for none), then prints `{"seconds": S, "lines": N, "kept": N,
 * "findings": N}`. In its own process so that neither its heap nor the collection of it after
 * it ends share the machine with the other measurements (in the bench's own process, the
 * end-to-end run that followed took 24.2 s against 21.2 s run alone).
 *
 *   node dist/bench/cores-only.js FILE NOW RATES|-
 */
import { parseConfig } from "../src/config";
import { recoverInProcess } from "../src/pipelines/recover-in-process";
import { loadRates } from "../src/sources/load-rates";

async function main(): Promise<void> {
  const [file, now, ratesFile] = process.argv.slice(2);
  const nowMs = Date.parse(now ?? "");
  if (file === undefined || ratesFile === undefined || !Number.isFinite(nowMs)) {
    process.stderr.write("usage: cores-only.js FILE NOW RATES|-\n");
    process.exit(2);
  }
  const config = parseConfig({});
  const rates = ratesFile === "-" ? null : await loadRates(ratesFile, config, nowMs);
  const start = process.hrtime.bigint();
  const r = recoverInProcess(file, config, nowMs, rates);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({ seconds, lines: r.lines, kept: r.kept.length, findings: r.findings.length }) + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`cores-only: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
