import type { RecoveryConfig } from "./config";

/**
 * Configured event types that no valid event of a run had. A rule keyed on an event type that
 * never occurs checks nothing and says nothing, so a typo in a config (`crm.synched`) would
 * silently switch a chain, a uniqueness rule, a range rule or an anomaly ratio off; the run's
 * summary lists them instead (`unseen_event_types`). A type can also be absent from a run for
 * good reasons (a short window, a producer that is down): the list is a note, not an error.
 */

/** Where a config names an event type: `chains.lead_followup.steps[3]`, and the type. */
export interface ConfiguredEventType {
  readonly where: string;
  readonly event_type: string;
}

/** Every event type the config names, in config order. */
export function configuredEventTypes(config: RecoveryConfig): ConfiguredEventType[] {
  const out: ConfiguredEventType[] = [];
  for (const chain of config.chains) chain.steps.forEach((step, i) => out.push({ where: `chains.${chain.name}.steps[${i}]`, event_type: step.event_type }));
  for (const rule of config.uniqueness) out.push({ where: `uniqueness.${rule.name}`, event_type: rule.event_type });
  config.corrections.range_rules.forEach((rule, i) => out.push({ where: `corrections.range_rules[${i}]`, event_type: rule.event_type }));
  config.anomalies.ratios.forEach((ratio, i) => {
    out.push({ where: `anomalies.ratios[${i}].numerator`, event_type: ratio.numerator });
    out.push({ where: `anomalies.ratios[${i}].denominator`, event_type: ratio.denominator });
  });
  return out;
}

/**
 * `where: event_type` of every configured event type not in `seen`, in config order; empty
 * when `seen` is null (too many distinct types were seen to keep them all, see
 * `MAX_TRACKED_EVENT_TYPES`) or empty (no valid event at all: that says nothing about the
 * config, and the dead-letter notice says why, see dead-letter-share).
 *
 * @example
 * unseenEventTypes(config, new Set(["card.scanned", "lead.created"]))
 * // -> ["chains.lead_followup.steps[2]: crm.synced", "chains.lead_followup.steps[3]: followup.sent", ...]
 */
export function unseenEventTypes(config: RecoveryConfig, seen: ReadonlySet<string> | null): string[] {
  if (seen === null || seen.size === 0) return [];
  return configuredEventTypes(config)
    .filter((c) => !seen.has(c.event_type))
    .map((c) => `${c.where}: ${c.event_type}`);
}

/** Distinct event types a run remembers for `unseenEventTypes`; past this it stops checking. */
export const MAX_TRACKED_EVENT_TYPES = 10_000;

/** Adds `eventType` to `seen`, or returns null once more than the limit are seen. */
export function noteEventType(seen: Set<string> | null, eventType: string): Set<string> | null {
  if (seen === null || seen.has(eventType)) return seen;
  if (seen.size >= MAX_TRACKED_EVENT_TYPES) return null;
  seen.add(eventType);
  return seen;
}

/** The stderr line for a non-empty list (`recover run` and `recover stream` print it unless `--quiet`). */
export function unseenEventTypesNotice(unseen: ReadonlyArray<string>): string {
  return `configured event types that no valid event had (a rule on them checked nothing; a typo in --config?): ${unseen.join(", ")}`;
}
