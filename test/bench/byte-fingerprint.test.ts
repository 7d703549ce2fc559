import { test } from "node:test";
import assert from "node:assert/strict";
import { dataFingerprint, foundKeyEnd, foundKeyStart } from "../../bench/byte-fingerprint";

const KEY = Buffer.from("lead_id", "latin1");
const fp = (text: string) => dataFingerprint(Buffer.from(text), 0, KEY);

test("byte-fingerprint: key order and white space do not count; values, array order and nesting do", () => {
  const same: Array<[string, string]> = [
    ['{"a":1,"b":[2,{"c":"x","d":null}]}', '{"b":[2,{"d":null,"c":"x"}],"a":1}'],
    ['{ "a" : 1 , "b" : [ 2 ] }', '{"b":[2],"a":1}'],
    ["{}", " { } "],
  ];
  for (const [a, b] of same) assert.equal(fp(a), fp(b), `${a} ~ ${b}`);
  const different: Array<[string, string]> = [
    ['{"a":1}', '{"a":2}'],
    ['{"a":[1,2]}', '{"a":[2,1]}'],
    ['{"a":{"b":1}}', '{"a":[{"b":1}]}'],
    ['{"a":"1"}', '{"a":1}'],
    ['{"a":1,"b":2}', '{"a":2,"b":1}'],
    ['{"a":1}', '{"b":1}'],
  ];
  for (const [a, b] of different) assert.notEqual(fp(a), fp(b), `${a} vs ${b}`);
});

test("byte-fingerprint: finds the top-level key's value, not a nested one", () => {
  const text = '{"x":{"lead_id":"inner"},"lead_id":"L-1","y":[1]}';
  fp(text);
  assert.equal(text.slice(foundKeyStart(), foundKeyEnd()), '"L-1"');
  fp('{"x":{"lead_id":"inner"}}');
  assert.equal(foundKeyStart(), -1);
});
