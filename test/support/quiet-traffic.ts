/**
 * Traffic made to tell a stream that skips the ticks of silent sources from one that ticks
 * them all: sources in bursts, silent for up to five dedup horizons of `QUIET_CONFIG`, that
 * come back with copies of their old events; late arrivals, exact and near copies, sequence
 * gaps. Deterministic per seed; micro-batches of 1 to 49 events in arrival order.
 */
import type { ReceivedEvent } from "../../src/event";
import { Rng } from "../../src/generate/prng";
import { ev, min } from "./events";

/** The rules' time settings the traffic is scaled to (a 1 h dedup horizon). */
export const QUIET_CONFIG = { dedup_horizon_ms: 60 * 60_000, gap_timeout_ms: 10 * 60_000, allowed_lateness_ms: 2 * 60_000, near_duplicate_window_ms: 1000 };

const HOUR = 60;
const CHAIN_STEPS = ["card.scanned", "lead.created", "crm.synced", "followup.sent"];

/** Arrivals in micro-batches; `leads`: the events carry a `lead_id`, a few per lead, so chains open and close too. */
export function quietSourceTraffic(seed: number, leads = false): ReceivedEvent[][] {
  const rng = new Rng(seed);
  const arrivals: Array<{ at: number; event: ReceivedEvent }> = [];
  for (let s = 0; s < 24; s++) {
    const source = `src-${s}`;
    let seq = 1;
    let t = rng.int(0, 2 * HOUR);
    const sent: ReceivedEvent[] = [];
    while (t < 20 * HOUR) {
      // A burst of a few events a second to a few minutes apart.
      for (let n = rng.int(1, 12); n > 0; n--) {
        if (rng.chance(0.08)) seq += rng.int(1, 3); // numbers never sent: a gap
        const data: Record<string, unknown> = { ref: `${source}-${seq}`, v: rng.int(0, 2) };
        if (leads) data.lead_id = `${source}-lead-${Math.floor(seq / 4)}`;
        const type = leads ? CHAIN_STEPS[seq % 4] : undefined;
        const e = ev({ id: `${source}-e${seq}`, source, seq, t: min(t) + rng.int(0, 59_000), data, type });
        seq += 1;
        sent.push(e);
        // Arrival: mostly at once, sometimes minutes late (behind the watermark).
        // Arrival: mostly at once, sometimes minutes late (behind the watermark), sometimes about
        // one horizon late (either side of the dedup horizon behind the watermark, within the
        // allowed lateness of it: where a watermark off by the lateness would judge otherwise).
        const late = rng.chance(0.1) ? rng.int(3, 40) * 60_000 : rng.chance(0.05) ? QUIET_CONFIG.dedup_horizon_ms + rng.int(-3, 4) * 60_000 + rng.int(0, 59_000) : rng.int(0, 20_000);
        arrivals.push({ at: e.event_time + late, event: e });
        if (rng.chance(0.05)) arrivals.push({ at: e.event_time + rng.int(1, 30) * 1000, event: { ...e } }); // an exact copy
        if (rng.chance(0.05)) {
          const near = ev({ id: `${source}-n${seq}`, source, seq: null, t: e.event_time + rng.int(0, 1000), data, type });
          arrivals.push({ at: near.event_time + rng.int(0, 5000), event: near });
        }
        t += rng.chance(0.5) ? 0 : rng.int(1, 4);
      }
      // Silence: often longer than two horizons.
      t += rng.chance(0.5) ? rng.int(2 * HOUR, 5 * HOUR) : rng.int(1, 30);
      // On its return, copies of old events: within the horizon, just beyond, far beyond.
      if (sent.length > 0 && rng.chance(0.6)) {
        for (let k = rng.int(1, 3); k > 0; k--) {
          const old = sent[rng.int(0, sent.length - 1)];
          arrivals.push({ at: min(t), event: { ...old } });
        }
      }
    }
  }
  arrivals.sort((a, b) => a.at - b.at);
  const batches: ReceivedEvent[][] = [];
  let line = 0;
  for (let i = 0; i < arrivals.length; ) {
    const size = 1 + (i % 17) * 3;
    batches.push(arrivals.slice(i, i + size).map((a) => ({ ...a.event, line: ++line })));
    i += size;
  }
  return batches;
}

