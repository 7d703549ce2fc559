/**
 * Findings of the correction rules: identity `[event_id, rule, field, event time]`, never
 * processing time. The event time (epoch ms) keeps apart the findings about two kept events
 * under one id (repeated beyond the dedup horizon), as `eventFinding` does.
 *
 * `ruleFinding(ev, "zero_duration", "manual_review", "call_checks", "data.duration_s", {})` -> a finding whose
 * `flag_id` is `stableId(["zero_duration", ev.event_id, "call_checks", "data.duration_s", Date.parse(ev.timestamp)])`.
 */
import type { FlagAction, FlagKind } from "../event";
import { finding, type Finding } from "../flag";
import type { CorrectionEvent } from "./correction";

export function ruleFinding(
  event: CorrectionEvent,
  kind: FlagKind,
  action: FlagAction,
  rule: string,
  field: string,
  detail: Readonly<Record<string, unknown>>,
): Finding {
  const time = Date.parse(event.timestamp);
  return finding({
    kind,
    action,
    identity: [event.event_id, rule, field, Number.isFinite(time) ? time : null],
    event_id: event.event_id,
    source: event.source,
    event_type: event.event_type,
    event_time: Number.isFinite(time) ? time : null,
    detail,
  });
}
