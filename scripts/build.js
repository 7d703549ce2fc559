#!/usr/bin/env node
// Compiles src/, test/ and bench/, applying the ts-closure-transform before/after
// transformers to the files that build Beam pipelines. Beam serializes every DoFn with serialize-closures and evaluates
// it back, even on the direct runner; without these transformers the captured
// variables of a closure vanish at run time (see README, "DirectRunner limits").
"use strict";
// `prepare` (npm install) passes --if-tools: an install without dev dependencies
// (`npm install --omit=dev`) has no TypeScript to build with, and should not fail for it.
if (process.argv.includes("--if-tools")) {
  try {
    require.resolve("typescript");
    require.resolve("ts-closure-transform");
  } catch {
    process.stderr.write("build: skipped, TypeScript is not installed (dev dependencies omitted); dist/ is not built\n");
    process.exit(0);
  }
}
const ts = require("typescript");
const path = require("path");
const { beforeTransform, afterTransform } = require("ts-closure-transform");

const root = path.resolve(__dirname, "..");
const configPath = path.resolve(root, process.env.TSCONFIG || "tsconfig.json");
const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  },
});
const program = ts.createProgram(parsed.fileNames, parsed.options);
// The closure transform rewrites code (it boxes captured variables and has bugs with array
// destructuring), so it is applied only to files that build Beam graphs: those importing
// "apache-beam" or its submodules. Everything their closures call lives in modules registered with
// requireForSerialization, which Beam serializes by reference and never rewrites.
const onlyBeamFiles = (factory) => (context) => {
  const transform = factory(context);
  return (sourceFile) => (/from "apache-beam[/"]/.test(sourceFile.text) ? transform(sourceFile) : sourceFile);
};
const emit = program.emit(undefined, undefined, undefined, false, {
  before: [onlyBeamFiles(beforeTransform())],
  after: [onlyBeamFiles(afterTransform())],
});
const diagnostics = ts.getPreEmitDiagnostics(program).concat(emit.diagnostics);
if (diagnostics.length > 0) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => "\n" };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}
