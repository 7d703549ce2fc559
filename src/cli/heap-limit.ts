/**
 * The heap a bounded run of an input file needs, and the V8 flag that grants it.
 *
 * `recover run` holds every valid event until its final watermark (a bounded run's
 * semantics), so its heap grows with the input. Measured with the bench's 1M-event file
 * (270 MiB, `node --max-old-space-size=N bin/recover.js run ...` with `RECOVER_NO_REEXEC=1`):
 * 700 MB of old space ends it with "heap out of memory", 1,000 MB completes; 4M events
 * (1,080 MiB) complete within V8's default limit of about 4.3 GB on this machine at a peak RSS
 * of 4.5 GB, and 6M (1,620 MiB) ran out of memory at it after 225 s. So the CLI raises the limit at start to what the file needs
 * (3.5 MB of heap per MiB of input, plus 512 MB), up to 75 % of the machine's memory, and warns
 * when even that is not expected to be enough: `recover stream --input FILE` keeps bounded
 * state instead. It never lowers the limit, and leaves one the user set alone.
 */

/** MB of old space per MiB of input a bounded run is planned with (see the module doc). */
export const HEAP_MB_PER_INPUT_MIB = 3.5;
/** MB added to every plan: the pipeline, the rate table, the DuckDB loader's share. */
export const HEAP_HEADROOM_MB = 512;
/** At most this share of the machine's memory is given to the heap. */
export const MAX_HEAP_SHARE = 0.75;

export interface HeapPlan {
  /** `--max-old-space-size=N` to start V8 with, or null to keep its default. */
  readonly flag: string | null;
  /** A line for stderr when the input is expected not to fit, else null. */
  readonly warning: string | null;
}

/**
 * The plan for an input of `inputBytes` on a machine of `totalMemBytes` whose V8 default
 * limit is `defaultLimitMb`.
 *
 * @example
 * heapPlan(1132569419, 24 * 2 ** 30, 4345) // 4M events: { flag: null, warning: null } (3,781 + 512 MB fit the default)
 * heapPlan(1700000000, 24 * 2 ** 30, 4345) // { flag: "--max-old-space-size=6187", warning: null }
 */
export function heapPlan(inputBytes: number, totalMemBytes: number, defaultLimitMb: number): HeapPlan {
  const neededMb = Math.ceil((inputBytes / 2 ** 20) * HEAP_MB_PER_INPUT_MIB) + HEAP_HEADROOM_MB;
  if (neededMb <= defaultLimitMb) return { flag: null, warning: null };
  const ceilingMb = Math.floor((totalMemBytes / 2 ** 20) * MAX_HEAP_SHARE);
  const grantedMb = Math.max(defaultLimitMb, Math.min(neededMb, ceilingMb));
  const flag = grantedMb > defaultLimitMb ? `--max-old-space-size=${grantedMb}` : null;
  const warning =
    neededMb > ceilingMb
      ? `recover run holds every valid event until the end: this input needs about ${gb(neededMb)} GB of heap and ${gb(ceilingMb)} GB (75 % of this machine's memory) is the most it gets, so the run may end out of memory; recover stream --input FILE keeps bounded state`
      : null;
  return { flag, warning };
}

function gb(mb: number): string {
  return (mb / 1024).toFixed(1);
}

/** The `--input` value of `recover run` arguments (`--input X` or `--input=X`), else null. */
export function runInputOf(args: ReadonlyArray<string>): string | null {
  if (args[0] !== "run") return null;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === "--input") return args[i + 1] ?? null;
    if (args[i].startsWith("--input=")) return args[i].slice("--input=".length);
  }
  return null;
}

/** Whether V8 flags already set a heap limit (`--max-old-space-size` in NODE_OPTIONS or exec args). */
export function heapLimitSet(execArgv: ReadonlyArray<string>, nodeOptions: string | undefined): boolean {
  return [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].some((a) => a.startsWith("--max-old-space-size") || a.startsWith("--max_old_space_size"));
}
