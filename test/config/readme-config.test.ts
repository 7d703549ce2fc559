/**
 * The README's Configuration block is the default config, whole: a reader who copies it gets
 * exactly the defaults (a block missing a default list entry would silently turn that check
 * off for whoever copied it), and every field the config has is shown.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../../src/config";

const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "..", "README.md"), "utf8");

/** The first ```json block after the "## Configuration" heading. */
function configBlock(): string {
  const section = readme.slice(readme.indexOf("\n## Configuration\n"));
  const match = /```json\n([\s\S]*?)\n```/.exec(section);
  assert.ok(match !== null, "README has a json block under ## Configuration");
  return match[1];
}

test("README: the Configuration block is exactly the default config", () => {
  const shown: unknown = JSON.parse(configBlock());
  const defaults: unknown = JSON.parse(JSON.stringify(parseConfig({})));
  assert.deepEqual(shown, defaults);
});
