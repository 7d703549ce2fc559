import { test } from "node:test";
import assert from "node:assert/strict";
import { looksLikeEmail, looksLikePhone } from "../../src/corrections/contact-values";
import { fixFieldSwap } from "../../src/corrections/field-swap";
import { config, deepFreeze, event } from "./fixtures";

test("looksLikeEmail / looksLikePhone", () => {
  const emails: Array<[unknown, boolean]> = [
    ["ann@example.com", true],
    ["+15551234567@sms.example.com", true],
    ["a@b", false],
    ["a@@b.com", false],
    ["a@b@c.com", false],
    ["@b.com", false],
    ["a@b..com", false],
    ["a b@c.com", false],
    [42, false],
  ];
  for (const [v, ok] of emails) assert.equal(looksLikeEmail(v), ok, `email ${String(v)}`);
  const phones: Array<[unknown, boolean]> = [
    ["+1 (555) 123-4567", true],
    ["555.123.4567", true],
    ["1234567", true],
    ["123456", false],
    ["+123456789012345678901", false],
    ["12345678901234567890", true],
    ["1+2345678", false],
    ["555-CALL-NOW", false],
    ["+15551234567@sms.example.com", false],
    [5551234567, false],
    // As business-card OCR and copy-paste write them.
    ["+1\u00a0555\u00a0123\u00a04567", true],
    ["+44\u202f20\u202f7946\u202f0958", true],
    ["+1 555\u2011123\u20114567", true],
    ["+1 555\u2013123\u20134567", true],
    ["+1 555 123 4567 ext. 12", true],
    ["5551234567 x123", true],
    ["555-1234567#9", true],
    ["030/1234567", true],
    ["tel:+15551234567", true],
    ["TEL:5551234567", true],
    ["123456 ext. 12", false],
    ["555 123 4567 ext", false],
    ["555 123 4567 ext. 1234567", false],
    ["tel:", false],
    ["tel:tel:5551234567", false],
    ["12/05/24", false],
    ["555_123_4567", false],
  ];
  for (const [v, ok] of phones) assert.equal(looksLikePhone(v), ok, `phone ${String(v)}`);
});

interface Case {
  readonly name: string;
  readonly contact: Record<string, unknown>;
  readonly after: Record<string, unknown>;
  readonly flagged: boolean;
}

const cases: Case[] = [
  { name: "swapped back", contact: { phone: "ann@example.com", email: "+1 555 123 4567" }, after: { phone: "+1 555 123 4567", email: "ann@example.com" }, flagged: true },
  { name: "email moves over when email is absent", contact: { phone: "ann@example.com", name: "Ann" }, after: { phone: null, email: "ann@example.com", name: "Ann" }, flagged: true },
  { name: "email moves over when email is empty", contact: { phone: "ann@example.com", email: "" }, after: { phone: "", email: "ann@example.com" }, flagged: true },
  { name: "email moves over when email is null", contact: { phone: "ann@example.com", email: null }, after: { phone: null, email: "ann@example.com" }, flagged: true },
  { name: "correct fields untouched", contact: { phone: "+1 555 123 4567", email: "ann@example.com" }, after: { phone: "+1 555 123 4567", email: "ann@example.com" }, flagged: false },
  {
    name: "phone-like email is an email and is not touched",
    contact: { phone: "+1 555 123 4567", email: "+15551234567@sms.example.com" },
    after: { phone: "+1 555 123 4567", email: "+15551234567@sms.example.com" },
    flagged: false,
  },
  { name: "both emails: not touched", contact: { phone: "a@example.com", email: "b@example.com" }, after: { phone: "a@example.com", email: "b@example.com" }, flagged: false },
  { name: "email holds something else: not touched", contact: { phone: "a@example.com", email: "n/a" }, after: { phone: "a@example.com", email: "n/a" }, flagged: false },
  { name: "phone holds an undotted address: not touched", contact: { phone: "a@localhost", email: "5551234567" }, after: { phone: "a@localhost", email: "5551234567" }, flagged: false },
];

for (const c of cases) {
  test(`fixFieldSwap: ${c.name}`, () => {
    const input = deepFreeze(event({ contact: c.contact, other: 1 }));
    const result = fixFieldSwap(input, config());
    assert.deepEqual(result.data, { contact: c.after, other: 1 });
    assert.equal(result.findings.length, c.flagged ? 1 : 0);
    assert.equal(result.corrections.length, c.flagged ? 2 : 0);
    if (c.flagged) {
      assert.equal(result.findings[0].kind, "field_swap");
      assert.equal(result.findings[0].action, "none");
      assert.deepEqual(result.corrections.map((x) => [x.field, x.before, x.after, x.flag_id]), [
        ["data.contact.phone", c.contact.phone, c.after.phone, result.findings[0].flag_id],
        ["data.contact.email", c.contact.email ?? null, c.after.email, result.findings[0].flag_id],
      ]);
      assert.notEqual(result.corrections[0].correction_id, result.corrections[1].correction_id);
    }
  });
}

test("fixFieldSwap: several configured objects, replay changes nothing", () => {
  const cfg = config({ swap_objects: ["data.contact", "data.lead.person"] });
  const data = { contact: { phone: "a@example.com", email: "5551234567" }, lead: { person: { phone: "b@example.com" } } };
  const first = fixFieldSwap(event(data), cfg);
  assert.deepEqual(first.data, { contact: { phone: "5551234567", email: "a@example.com" }, lead: { person: { phone: null, email: "b@example.com" } } });
  assert.equal(first.findings.length, 2);
  assert.equal(first.corrections.length, 4);
  const again = fixFieldSwap(event(first.data, { corrections: first.corrections }), cfg);
  assert.deepEqual(again, { data: first.data, corrections: first.corrections, findings: [] });
});

test("fixFieldSwap: a carried swap correction is not redone even if the fields are swapped again", () => {
  const first = fixFieldSwap(event({ contact: { phone: "a@example.com", email: "5551234567" } }), config());
  const swappedAgain = { contact: { phone: "a@example.com", email: "5551234567" } };
  const again = fixFieldSwap(event(swappedAgain, { corrections: first.corrections }), config());
  assert.equal(again.data, swappedAgain);
  assert.deepEqual(again.findings, []);
});

test("fixFieldSwap: contact that is not an object is ignored", () => {
  const result = fixFieldSwap(event({ contact: "a@example.com" }), config());
  assert.deepEqual(result.findings, []);
});
