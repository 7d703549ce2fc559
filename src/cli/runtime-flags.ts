/**
 * V8 flags a bounded run starts with (bin/recover.js re-executes itself with them once; the
 * bench's measurement children get the same). V8 reads them only at start-up.
 *
 * - `--max-semi-space-size=64`: a bounded run holds its events until the final watermark, so
 *   most allocations survive a young-generation GC; a larger young generation cut a 300k-event
 *   run from 10.7 s to 9.3 s when events travelled through Beam one by one.
 * - `--no-allocation-site-pretenuring`: with it on, V8 sees the validated events survive and
 *   allocates them straight in the old generation, where each one points at young strings
 *   (its id, time and text) that every scavenge must then trace. Off: the per-source stage of
 *   1M events 3.25-4.54 s against 3.97-5.66 s (three alternated pairs), whole runs 21.6, 16.3
 *   and 16.3 s against 26.3, 22.6 and 17.5 s (three alternated pairs, 2026-11-26).
 */
export const RUNTIME_FLAGS: ReadonlyArray<string> = ["--max-semi-space-size=64", "--no-allocation-site-pretenuring"];
