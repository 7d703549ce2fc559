/**
 * Named crash points for the fault tests: with `RECOVER_FAULT=<point>` (and optionally
 * `RECOVER_FAULT_AFTER=<n>`, the n-th time the point is reached, default 1) the process kills
 * itself with SIGKILL there, as a power cut would. Points of the streaming loop, in order:
 * `before_output`, `mid_output` (inside the JSON-lines writer, half a buffer written),
 * `after_output_before_state`, `after_state_before_ack`.
 */
const reached = new Map<string, number>();

/** Counts a pass through `name`; true when this pass is the one that must crash. */
export function faultDue(name: string): boolean {
  if (process.env.RECOVER_FAULT !== name) return false;
  const n = (reached.get(name) ?? 0) + 1;
  reached.set(name, n);
  return n === Number(process.env.RECOVER_FAULT_AFTER ?? "1");
}

export function crashNow(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL");
}

export function faultPoint(name: string): void {
  if (faultDue(name)) crashNow();
}
