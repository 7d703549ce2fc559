#!/usr/bin/env node
// Compiles src/, test/ and bench/ with the ts-closure-transform before/after
// transformers. Beam serializes every DoFn with serialize-closures and evaluates
// it back, even on the direct runner; without these transformers the captured
// variables of a closure vanish at run time (see README, "DirectRunner limits").
"use strict";
const ts = require("typescript");
const path = require("path");
const { beforeTransform, afterTransform } = require("ts-closure-transform");

const root = path.resolve(__dirname, "..");
const configPath = path.join(root, "tsconfig.json");
const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  },
});
const program = ts.createProgram(parsed.fileNames, parsed.options);
const emit = program.emit(undefined, undefined, undefined, false, {
  before: [beforeTransform()],
  after: [afterTransform()],
});
const diagnostics = ts.getPreEmitDiagnostics(program).concat(emit.diagnostics);
if (diagnostics.length > 0) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}
