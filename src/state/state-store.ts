import type { CommittedState } from "./committed-state";

/**
 * Durable storage of the detector state across micro-batches. A store has one writer: two loops
 * committing to the same store overwrite each other (last commit wins).
 */
export interface StateStore {
  /** Loads the state committed last (null on first start). Rejects when the stored state is corrupt. */
  load(): Promise<CommittedState | null>;
  /**
   * Atomically replaces the committed state: after it resolves, `load` (also after a crash or
   * restart) returns this state; if it rejects or the process dies during it, `load` returns
   * either this state or the previous one, never a mix. Files are fsync'd before it resolves.
   */
  commit(state: CommittedState): Promise<void>;
  /** Releases the store's resources (connections). Idempotent. */
  close(): Promise<void>;
}
