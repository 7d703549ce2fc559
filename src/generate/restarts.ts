import { FAULT_CUTOFF_MS, TicketQueue } from "./faults";
import { isPlain } from "./processing";
import type { Rng } from "./prng";
import type { Unit } from "./units";

/** Look-alikes of a producer whose sequence counter starts again. */
export const RESTART_LOOKALIKES = ["counter_restart"] as const;

/** A restart comes at least this long after its kiosk's first event: well past the 10 min gap timeout. */
export const RESTART_AFTER_MS = 30 * 60_000;

/**
 * The look-alike `counter_restart`: a store kiosk (source `kiosk-N`, a producer of its own)
 * whose counter stands at a random 1,000..90,000 at its first event, and which is redeployed:
 * its next event, at least 30 min later, carries number 1. Nothing is lost, so no gap may be
 * flagged (a detector that took 1 as the range's start would report 2..S-1 missing). Both
 * events are taken from plain order.paid units (carrying nothing else), moved from the store to
 * the kiosk, so other truth is untouched. It draws from its
 * own random stream, so the rest of the traffic is the same as without it.
 */
export class CounterRestarts {
  private readonly queue: TicketQueue<(typeof RESTART_LOOKALIKES)[number]>;
  /** A kiosk waiting for its restart, and the earliest time of it. */
  private waiting: { source: string; after: number } | null = null;
  private kiosks = 0;

  constructor(
    private readonly rng: Rng,
    private readonly now: number,
    perKind: number,
  ) {
    this.queue = new TicketQueue(rng, now, RESTART_LOOKALIKES, perKind);
  }

  /** Moves `unit`'s event (started at `at`) to a kiosk when a restart is planned or under way. */
  apply(unit: Unit, at: number): void {
    if (at > this.now - FAULT_CUTOFF_MS || unit.events.length !== 1 || unit.events[0].type !== "order.paid" || !isPlain(unit)) return;
    const event = unit.events[0];
    if (this.waiting !== null) {
      if (event.at < this.waiting.after) return;
      unit.events[0] = { ...event, source: this.waiting.source, counterFrom: 1, lookalike: "counter_restart" };
      this.waiting = null;
      return;
    }
    if (this.queue.due(at) === undefined) return;
    this.queue.take();
    const source = `kiosk-${++this.kiosks}`;
    unit.events[0] = { ...event, source, counterFrom: this.rng.int(1_000, 90_000) };
    this.waiting = { source, after: event.at + RESTART_AFTER_MS };
  }
}
