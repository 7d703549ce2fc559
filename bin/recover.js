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
  const child = spawn(process.execPath, [...RUNTIME_FLAGS, ...process.execArgv, __filename, ...process.argv.slice(2)], {
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
