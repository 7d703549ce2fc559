/**
 * `recover stream` (file source, small micro-batches, file state) against the independent
 * reference (test/support/oracle.ts) on adversarial random traffic (test/support/adversarial.ts)
 * arriving in event-time order with jitter below the allowed lateness, so a bounded run's
 * findings are what the stream must end with once its retractions (`gap_filled`) are applied.
 * The input spans less than the dedup horizon: beyond it the stream forgets by design (README,
 * streaming), which a reference with unbounded memory does not model.
 * Then the same input with the process killed at each of the streaming loop's crash points and
 * run again on the same state (a directory; Redis for two kills in a row): nothing lost,
 * nothing written twice.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertMatchesReference, streamArgs, withStreamInput as withInput } from "./reference-match";
import { claimRedisDb, cli, startServices, uniqueName } from "./support";

test("stream differential: micro-batches of 13 end with the reference's findings and events", { timeout: 300_000 }, () =>
  withInput(11, async (file, out, lines) => {
    const r = await cli(streamArgs(file, out));
    assert.equal(r.code, 0, r.stderr);
    assertMatchesReference(out, lines, "clean run");
  }),
);

for (const point of ["before_output", "mid_output", "after_output_before_state", "after_state_before_ack"]) {
  test(`stream differential: killed at ${point} in batch 7, then run again on the same state: the reference's findings and events, nothing twice`, { timeout: 300_000 }, () =>
    withInput(12, async (file, out, lines) => {
      const killed = await cli(streamArgs(file, out), { RECOVER_FAULT: point, RECOVER_FAULT_AFTER: "7" });
      assert.equal(killed.signal, "SIGKILL", `the fault point was reached: ${killed.stderr}`);
      const again = await cli(streamArgs(file, out));
      assert.equal(again.code, 0, again.stderr);
      assertMatchesReference(out, lines, `after a kill at ${point}`);
    }),
  );
}

for (const point of ["mid_output", "after_output_before_state"]) {
  test(`stream differential: killed at ${point} in the FIRST batch (nothing committed yet), then run again: it starts (it refused, "the state was lost"), the reference's findings and events`, { timeout: 300_000 }, () =>
    withInput(14, async (file, out, lines) => {
      const killed = await cli(streamArgs(file, out), { RECOVER_FAULT: point, RECOVER_FAULT_AFTER: "1" });
      assert.equal(killed.signal, "SIGKILL", `the fault point was reached: ${killed.stderr}`);
      const again = await cli(streamArgs(file, out));
      assert.equal(again.code, 0, again.stderr);
      assertMatchesReference(out, lines, `after a kill at ${point} in the first batch`);
    }),
  );
}

test("stream differential, Redis state: killed at after_output_before_state, then at mid_output, then run to the end: the reference's findings and events", { timeout: 300_000 }, async () => {
  startServices();
  const redis = await claimRedisDb(uniqueName("stream-diff"));
  try {
    await withInput(13, async (file, out, lines) => {
      for (const point of ["after_output_before_state", "mid_output"]) {
        const killed = await cli(streamArgs(file, out, redis.url), { RECOVER_FAULT: point, RECOVER_FAULT_AFTER: "9" });
        assert.equal(killed.signal, "SIGKILL", `the fault point ${point} was reached: ${killed.stderr}`);
      }
      const again = await cli(streamArgs(file, out, redis.url));
      assert.equal(again.code, 0, again.stderr);
      assertMatchesReference(out, lines, "Redis state, after two kills");
    });
  } finally {
    await redis.release();
  }
});
