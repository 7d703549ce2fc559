import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config";
import { MAX_TRACKED_EVENT_TYPES, noteEventType, unseenEventTypes } from "../../src/config-coverage";

const DEFAULT_TYPES = ["card.scanned", "lead.created", "crm.synced", "followup.sent", "discount.issued", "call.completed"];

const typo = parseConfig({
  chains: [{ name: "lead_sync", steps: [{ event_type: "card.scanned", key: "data.lead_id" }, { event_type: "crm.synched", key: "data.lead_id", max_delay_ms: 60_000 }] }],
  uniqueness: [],
  corrections: { range_rules: [{ event_type: "call.complete", path: "data.duration_s", max: 100 }] },
  anomalies: { ratios: [{ numerator: "crm.synched", denominator: "card.scanned" }] },
});

const cases: Array<[string, ReturnType<typeof parseConfig>, ReadonlySet<string> | null, string[]]> = [
  ["defaults, every type seen", parseConfig({}), new Set(DEFAULT_TYPES), []],
  [
    "defaults, only other types seen: every rule's type, in config order",
    parseConfig({}),
    new Set(["page.viewed"]),
    [
      "chains.lead_followup.steps[0]: card.scanned",
      "chains.lead_followup.steps[1]: lead.created",
      "chains.lead_followup.steps[2]: crm.synced",
      "chains.lead_followup.steps[3]: followup.sent",
      "uniqueness.one_discount_per_program: discount.issued",
      "corrections.range_rules[0]: call.completed",
      "anomalies.ratios[0].numerator: crm.synced",
      "anomalies.ratios[0].denominator: card.scanned",
    ],
  ],
  [
    "typos are named where they are, the right spellings seen",
    typo,
    new Set(DEFAULT_TYPES),
    ["chains.lead_sync.steps[1]: crm.synched", "corrections.range_rules[0]: call.complete", "anomalies.ratios[0].numerator: crm.synched"],
  ],
  ["too many types to track: no check", typo, null, []],
  ["no valid event at all: nothing to say about the config (the dead-letter notice says why)", typo, new Set(), []],
];

for (const [name, config, seen, expected] of cases) {
  test(`unseenEventTypes: ${name}`, () => assert.deepEqual(unseenEventTypes(config, seen), expected));
}

test("noteEventType: tracks up to MAX_TRACKED_EVENT_TYPES distinct types, then gives up (null stays null)", () => {
  let seen: Set<string> | null = new Set();
  for (let i = 0; i < MAX_TRACKED_EVENT_TYPES; i++) seen = noteEventType(seen, `t${i}`);
  assert.equal(seen?.size, MAX_TRACKED_EVENT_TYPES);
  assert.equal(noteEventType(seen, "t0"), seen, "a type already seen is no new one");
  seen = noteEventType(seen, "one.more");
  assert.equal(seen, null);
  assert.equal(noteEventType(seen, "t1"), null);
});
