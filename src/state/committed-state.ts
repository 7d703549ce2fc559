/**
 * The detector state a micro-batch loop commits after each batch, and its stored JSON form.
 */

/** What a micro-batch loop needs to resume after a restart exactly where the last commit left it. */
export interface CommittedState {
  /** Number of the last batch whose effects this state includes (a non-negative integer). */
  readonly batch: number;
  /** Event-time watermark after that batch, epoch ms (finite; may be a large negative "none"). */
  readonly watermark: number;
  /** Largest event time seen so far, epoch ms (finite). */
  readonly maxEventTime: number;
  /** The detectors' state: any JSON-serializable value (not undefined). */
  readonly detectors: unknown;
}

/** Stored format tag; bumped when the stored shape changes incompatibly. */
export const STATE_FORMAT = "event-recovery-state/1";

/**
 * The stored text of a state: one JSON object `{format, batch, watermark, maxEventTime, detectors}`.
 *
 * @throws RangeError when a number is not finite, `batch` is not a non-negative integer, or
 *   `detectors` is undefined; TypeError (from JSON.stringify) for cycles or BigInts.
 */
export function serializeCommittedState(state: CommittedState): string {
  if (!Number.isSafeInteger(state.batch) || state.batch < 0) throw new RangeError(`state: batch must be a non-negative integer, got ${state.batch}`);
  if (!Number.isFinite(state.watermark)) throw new RangeError(`state: watermark must be finite, got ${state.watermark}`);
  if (!Number.isFinite(state.maxEventTime)) throw new RangeError(`state: maxEventTime must be finite, got ${state.maxEventTime}`);
  if (state.detectors === undefined) throw new RangeError("state: detectors is undefined (use null for none)");
  return JSON.stringify({ format: STATE_FORMAT, batch: state.batch, watermark: state.watermark, maxEventTime: state.maxEventTime, detectors: state.detectors });
}

/**
 * Parses stored text back into a state.
 *
 * @param where names the store in error messages (a path or a key).
 * @throws Error when the text is not a stored state of this format (corrupt or foreign data):
 *   a store never guesses.
 */
export function parseCommittedState(text: string, where: string): CommittedState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`state ${where}: not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error(`state ${where}: not a JSON object`);
  const o = doc as Record<string, unknown>;
  if (o.format !== STATE_FORMAT) throw new Error(`state ${where}: format ${JSON.stringify(o.format)}, expected ${STATE_FORMAT}`);
  const { batch, watermark, maxEventTime } = o;
  if (typeof batch !== "number" || !Number.isSafeInteger(batch) || batch < 0) throw new Error(`state ${where}: bad batch`);
  if (typeof watermark !== "number" || !Number.isFinite(watermark)) throw new Error(`state ${where}: bad watermark`);
  if (typeof maxEventTime !== "number" || !Number.isFinite(maxEventTime)) throw new Error(`state ${where}: bad maxEventTime`);
  if (!Object.prototype.hasOwnProperty.call(o, "detectors")) throw new Error(`state ${where}: no detectors`);
  return { batch, watermark, maxEventTime, detectors: o.detectors };
}
