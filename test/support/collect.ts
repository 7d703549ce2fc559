/**
 * An in-process sink for pipeline tests on the DirectRunner (which runs in this process and
 * whose `run()` returns no data): DoFns call `collect` through this module, registered with
 * `requireForSerialization`, and the test reads `collected` after the run.
 */
export const collected = new Map<string, unknown[]>();

export function collect(name: string, value: unknown): void {
  let list = collected.get(name);
  if (list === undefined) collected.set(name, (list = []));
  list.push(value);
}
