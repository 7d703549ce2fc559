import type { CommittedState, StateTableChanges } from "./committed-state";

/**
 * Durable storage of the detector state across micro-batches. A store has one writer: two loops
 * committing to the same store overwrite each other (last commit wins).
 */
export interface StateStore {
  /** Loads the state committed last (null on first start). Rejects when the stored state is corrupt. */
  load(): Promise<CommittedState | null>;
  /**
   * Atomically replaces the committed state: after it resolves, `load` (also after a crash or
   * restart) returns this state, tables included; if it rejects or the process dies during it,
   * `load` returns either this state or the previous one, never a mix. Files are fsync'd before
   * it resolves.
   *
   * @param changes the entries of `state.tables` set (JSON text) or deleted (null) since this
   *   store's last commit: a store may write only these. Absent: the tables are written whole.
   *   They must be exact; a caller that is unsure (after a failed commit) passes none.
   */
  commit(state: CommittedState, changes?: StateTableChanges): Promise<void>;
  /** Releases the store's resources (connections). Idempotent. */
  close(): Promise<void>;
}

/**
 * The committed state and what it describes no longer go together: the store lost the state
 * (a Redis flushed, or restarted without persistence), another process commits to it, or the
 * outputs are not the ones the state was committed with. Continuing would count events twice
 * or cut committed outputs, so the stream stops (exit 1) and says which.
 */
export class StateContinuityError extends Error {
  override readonly name = "StateContinuityError";
}
