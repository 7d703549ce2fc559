import type { UniquenessRuleConfig } from "../config";
import type { ReceivedEvent } from "../event";
import { eventFinding, type Finding } from "../flag";
import { byEventTime } from "../order";

/**
 * Business-key uniqueness: at most one event of `rule.event_type` per combination of
 * `rule.keys` (default one `discount.issued` per (`data.user_id`, `data.program`)), with no
 * time limit. The first in (event time, event_id) order is the legitimate one; each later one
 * stays in the events output and is flagged `duplicate_business_key` (action
 * `manual_review`, `detail.first_event_id`). Feed kept events (near-duplicates are discarded
 * first and are never also business-key extras). Events missing a key field are not judged.
 *
 * State: the first event per business key; it grows with the number of distinct keys.
 *
 * @example
 * // discount.issued {user_id: u1, program: spring} at t=1 (d1) and t=5 (d2)
 * // -> d2 flagged duplicate_business_key, first_event_id d1
 */
export interface BusinessKeyState {
  first: { eventId: string; eventTime: number } | null;
}

/** The business key of an event under a rule, or null when a key field is missing. */
export function businessKey(rule: UniquenessRuleConfig, event: ReceivedEvent): string | null {
  if (event.event_type !== rule.event_type) return null;
  const parts: string[] = [];
  for (const path of rule.keys) {
    const v = event.keys[path];
    if (v === null || v === undefined) return null;
    parts.push(v);
  }
  return JSON.stringify(parts);
}

/** Judges events released together (any order); earlier releases must come first. */
export function judgeBusinessKey(state: BusinessKeyState, rule: UniquenessRuleConfig, key: string, events: ReceivedEvent[]): Finding[] {
  const findings: Finding[] = [];
  for (const event of [...events].sort(byEventTime)) {
    if (state.first === null) {
      state.first = { eventId: event.event_id, eventTime: event.event_time };
      continue;
    }
    if (state.first.eventId === event.event_id) continue;
    findings.push(
      eventFinding(event, {
        kind: "duplicate_business_key",
        action: "manual_review",
        identity: [rule.name, event.event_id],
        key,
        detail: { rule: rule.name, first_event_id: state.first.eventId },
      }),
    );
  }
  return findings;
}
