/**
 * The invariant the streaming stage relies on to skip writing chains the watermark only ticked:
 * `judgeChain` changes a chain only by adding to `judged` / `missingFlagged` or removing from
 * `missingFlagged`, so its state changed exactly when one of those sizes did. Checked over
 * random arrival orders and watermarks of the default chain.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config";
import { judgeChain, newChainState, recordChainStep, type ChainState } from "../../src/transforms/check-dependency-chains";
import { ev } from "../support/events";

const text = (s: ChainState) => JSON.stringify({ steps: s.steps, judged: [...s.judged].sort(), missingFlagged: [...s.missingFlagged].sort() });

test("judgeChain: a chain's state changes exactly when the sizes of judged or missingFlagged change", () => {
  const chain = parseConfig({}).chains[0];
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let judgements = 0;
  let changed = 0;
  for (let trial = 0; trial < 300; trial++) {
    const state = newChainState(chain);
    let watermark = 0;
    for (let step = 0; step < 12; step++) {
      if (random() < 0.4) {
        const type = chain.steps[Math.floor(random() * chain.steps.length)].event_type;
        recordChainStep(state, chain, ev({ id: `e${trial}-${step}`, t: Math.floor(random() * 4 * 3_600_000), type }));
      }
      watermark += Math.floor(random() * 3_600_000);
      const before = text(state);
      const sizes = [state.judged.size, state.missingFlagged.size];
      judgeChain(state, chain, "L1", watermark, false);
      const sizeChanged = state.judged.size !== sizes[0] || state.missingFlagged.size !== sizes[1];
      assert.equal(text(state) !== before, sizeChanged, `trial ${trial}, step ${step}: ${before} -> ${text(state)}`);
      judgements += 1;
      if (sizeChanged) changed += 1;
    }
  }
  // Both sides of the equivalence were exercised.
  assert.ok(changed > 100 && judgements - changed > 100, `${changed} of ${judgements} judgements changed the state`);
});
