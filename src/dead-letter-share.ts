import type { RecoveryConfig } from "./config";

/**
 * When a large share of the input is dead-lettered, the run says so and why. A replay of events
 * older than `max_age_ms` (30 days) without `--now` dead-letters every line as
 * `timestamp_stale` and checks nothing, and the exit code is 0 (every line is accounted for):
 * the summary counts dead letters per `error_code` (`dead_letters_by_code`), and this stderr
 * notice names the codes, with the setting behind the timestamp ones.
 */

/** Dead letters as a share of the non-blank lines at and above which the notice is printed. */
export const DEAD_LETTER_NOTICE_SHARE = 0.1;

/** Adds one dead letter of `code` to `byCode`. */
export function countDeadLetter(byCode: Record<string, number>, code: string): void {
  byCode[code] = (byCode[code] ?? 0) + 1;
}

/**
 * The stderr notice, or null below the share. `nowMs`: the processing time the timestamps were
 * checked against.
 *
 * @example
 * deadLetterNotice({ timestamp_stale: 600 }, 600, config, Date.parse("2027-01-30T00:00:00Z"))
 * // -> "600 of 600 lines are dead letters (timestamp_stale 600): timestamp_stale is an event time more than
 * //     max_age_ms (30 d) before processing time 2027-01-30T00:00:00.000Z; replaying older events? pass --now ..."
 */
export function deadLetterNotice(byCode: Readonly<Record<string, number>>, nonBlankLines: number, config: RecoveryConfig, nowMs: number): string | null {
  const codes = Object.entries(byCode).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const total = codes.reduce((n, [, c]) => n + c, 0);
  if (total === 0 || total < DEAD_LETTER_NOTICE_SHARE * nonBlankLines) return null;
  const now = new Date(nowMs).toISOString();
  const hints: string[] = [];
  if (byCode["timestamp_stale"] !== undefined) {
    hints.push(`timestamp_stale is an event time more than max_age_ms (${days(config.validation.max_age_ms)}) before processing time ${now}; replaying older events? pass --now (or raise validation.max_age_ms)`);
  }
  if (byCode["timestamp_future"] !== undefined) {
    hints.push(`timestamp_future is an event time more than max_future_ms (${days(config.validation.max_future_ms)}) after processing time ${now}; --now too early, or a producer's clock ahead?`);
  }
  const list = codes.map(([code, n]) => `${code} ${n}`).join(", ");
  return `${total} of ${nonBlankLines} lines are dead letters (${list})${hints.length > 0 ? `: ${hints.join("; ")}` : ""}; they are in dead_letter.jsonl`;
}

function days(ms: number): string {
  return ms >= 86_400_000 ? `${+(ms / 86_400_000).toFixed(2)} d` : `${+(ms / 60_000).toFixed(2)} min`;
}
