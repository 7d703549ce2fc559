#!/usr/bin/env node
"use strict";
// V8 takes its heap flags only at start (src/cli/runtime-flags.ts says which and why), so the
// CLI re-executes itself once with them, and this process only waits for the child: SIGTERM
// and SIGHUP sent to it are passed on, so `kill PID` never leaves the job running on alone, and
// the exit code is the child's (128 + N when a signal N ended it).
// `stream` runs in place: it must receive SIGINT/SIGTERM itself, each once, to finish its batch
// cleanly (a second signal aborts it).
if (!process.env.RECOVER_NO_REEXEC && process.argv[2] !== "stream") {
  const { RUNTIME_FLAGS } = require("../dist/src/cli/runtime-flags.js");
  const { spawn } = require("child_process");
  const child = spawn(process.execPath, [...RUNTIME_FLAGS, ...heapFlags(), ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, RECOVER_NO_REEXEC: "1" },
  });
  const pass = (signal) => child.kill(signal);
  // A terminal's Ctrl-C reaches the child itself (same process group); one sent to this pid alone is passed on.
  const signals = ["SIGTERM", "SIGHUP", "SIGINT"];
  for (const signal of signals) process.on(signal, pass);
  child.on("error", (err) => {
    process.stderr.write(`recover: ${err.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    for (const s of signals) process.removeListener(s, pass);
    // Killed by a signal: the shell's convention, 128 + its number (143 for SIGTERM).
    process.exit(signal !== null ? 128 + (require("os").constants.signals[signal] ?? 0) : code === null ? 1 : code);
  });
} else {
  require("../dist/src/cli/main.js").main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`recover: ${err && err.message ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

// `recover run` of a file: a heap limit fit for the file (src/cli/heap-limit.ts), unless one is set.
function heapFlags() {
  const heap = require("../dist/src/cli/heap-limit.js");
  const input = heap.runInputOf(process.argv.slice(2));
  if (input === null || input === "-" || heap.heapLimitSet(process.execArgv, process.env.NODE_OPTIONS)) return [];
  let size;
  try {
    size = require("fs").statSync(input).size;
  } catch {
    return []; // the run itself reports a missing input
  }
  const plan = heap.heapPlan(size, require("os").totalmem(), require("v8").getHeapStatistics().heap_size_limit / 2 ** 20);
  if (plan.warning !== null) process.stderr.write(`recover: ${plan.warning}\n`);
  return plan.flag === null ? [] : [plan.flag];
}
