import type { Flag, FlagAction, FlagKind, ReceivedEvent } from "./event";
import { stableId } from "./hash";

/** A flag before the run stamps `detected_at` on it. Cores return these; they have no clock. */
export type Finding = Omit<Flag, "detected_at">;

export interface FindingInit {
  readonly kind: FlagKind;
  readonly action: FlagAction;
  /** What the finding is: hashed (with `kind`) into `flag_id`. Never processing time. */
  readonly identity: ReadonlyArray<string | number | null>;
  readonly event_id?: string | null;
  readonly source?: string | null;
  readonly event_type?: string | null;
  readonly key?: string | null;
  /** Epoch ms of the event the flag is about. */
  readonly event_time?: number | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Builds a finding with a deterministic `flag_id = hash(kind, ...identity)`. */
export function finding(init: FindingInit): Finding {
  return {
    flag_id: stableId([init.kind, ...init.identity]),
    kind: init.kind,
    action: init.action,
    event_id: init.event_id ?? null,
    source: init.source ?? null,
    event_type: init.event_type ?? null,
    key: init.key ?? null,
    event_time: init.event_time == null ? null : new Date(init.event_time).toISOString(),
    detail: init.detail ?? {},
  };
}

/**
 * A finding about one received event: its id, source, type and event time filled in from it.
 * Its identity ends with the event time (epoch ms): an id repeated beyond the dedup horizon is
 * kept as another event, and the findings about the two must not share a `flag_id`.
 */
export function eventFinding(
  event: Pick<ReceivedEvent, "event_id" | "source" | "event_type" | "event_time">,
  init: Omit<FindingInit, "event_id" | "source" | "event_type" | "event_time">,
): Finding {
  return finding({ ...init, identity: [...init.identity, event.event_time], event_id: event.event_id, source: event.source, event_type: event.event_type, event_time: event.event_time });
}

/** Stamps processing time on a finding. */
export function stamp(f: Finding, detectedAt: string): Flag {
  return { ...f, detected_at: detectedAt };
}
