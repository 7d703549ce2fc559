/**
 * The guard that decides whether a numeric correction may be applied automatically.
 * With `change = (after - before) / |before|`, it is applied only when `min <= change <= max`
 * (both inclusive); a `before` of 0 or a missing `before` is always blocked.
 *
 * `guardAllows(10000n, 40000n, { min_change: -0.75, max_change: 3 })` -> true (+300 %);
 * `guardAllows(10000n, 40001n, ...)` -> false.
 */
import { compareRatio } from "./decimal";

/** Lowest relative change applied automatically: -75 %. */
export const DEFAULT_MIN_CHANGE = -0.75;
/** Highest relative change applied automatically: +300 %. */
export const DEFAULT_MAX_CHANGE = 3.0;

export interface GuardBounds {
  readonly min_change: number;
  readonly max_change: number;
}

/** True when a correction from `before` to `after` is within the bounds (see module doc), compared exactly. */
export function guardAllows(before: bigint | null, after: bigint, bounds: GuardBounds): boolean {
  if (before === null || before === 0n) return false;
  const change = after - before;
  const abs = before < 0n ? -before : before;
  return compareRatio(change, abs, bounds.min_change) >= 0 && compareRatio(change, abs, bounds.max_change) <= 0;
}
