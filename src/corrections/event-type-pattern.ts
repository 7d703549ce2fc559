/**
 * Event-type patterns of the config: an exact type, or `prefix.*` for every type that starts
 * with `prefix.` (one trailing wildcard, nothing else).
 *
 * `matchesEventType(["order.*"], "order.paid")` -> true; `matchesEventType(["order.*"], "order")`
 * -> false; `matchesEventType(["cart.updated"], "cart.updated")` -> true.
 */
export function matchesEventType(patterns: ReadonlyArray<string>, eventType: string): boolean {
  for (const p of patterns) {
    if (p.endsWith(".*") ? eventType.startsWith(p.slice(0, -1)) : eventType === p) return true;
  }
  return false;
}
