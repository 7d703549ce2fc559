#!/usr/bin/env node
"use strict";
// V8 takes its heap flags only at start (src/cli/runtime-flags.ts says which and why), so the
// CLI re-executes itself once with them.
// `stream` runs in place: it must receive SIGINT/SIGTERM itself to finish its batch cleanly.
if (!process.env.RECOVER_NO_REEXEC && process.argv[2] !== "stream") {
  const { RUNTIME_FLAGS } = require("../dist/src/cli/runtime-flags.js");
  const { spawnSync } = require("child_process");
  const child = spawnSync(process.execPath, [...RUNTIME_FLAGS, ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, RECOVER_NO_REEXEC: "1" },
  });
  if (child.error) {
    process.stderr.write(`recover: ${child.error.message}\n`);
    process.exit(1);
  }
  process.exit(child.status === null ? 1 : child.status);
}
require("../dist/src/cli/main.js").main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`recover: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
