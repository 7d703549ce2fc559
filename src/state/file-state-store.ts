import { randomBytes } from "crypto";
import { promises as fs } from "fs";
import * as path from "path";
import { parseCommittedState, serializeCommittedState, type CommittedState } from "./committed-state";
import type { StateStore } from "./state-store";

/** Name of the committed state file inside the store's directory. */
export const STATE_FILE = "state.json";

/**
 * A {@link StateStore} in a local directory: the state is `DIR/state.json`. A commit writes
 * `DIR/state.json.tmp-<random>`, fsyncs it, renames it over `state.json` (atomic on POSIX file
 * systems) and fsyncs the directory, so a crash at any point leaves either the old or the new
 * state. Temporary files left by a crash are ignored by `load` and removed by the next commit.
 * The directory is created on the first commit.
 */
export class FileStateStore implements StateStore {
  readonly dir: string;

  constructor(dir: string) {
    if (dir.length === 0) throw new RangeError("FileStateStore: empty directory");
    this.dir = path.resolve(dir);
  }

  /** Path of the committed state file. */
  get file(): string {
    return path.join(this.dir, STATE_FILE);
  }

  async load(): Promise<CommittedState | null> {
    let text: string;
    try {
      text = await fs.readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    return parseCommittedState(text, this.file);
  }

  async commit(state: CommittedState): Promise<void> {
    const text = serializeCommittedState(state);
    await fs.mkdir(this.dir, { recursive: true });
    await this.#removeStaleTemps();
    const tmp = `${this.file}.tmp-${randomBytes(6).toString("hex")}`;
    try {
      const handle = await fs.open(tmp, "wx", 0o644);
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, this.file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await syncDir(this.dir);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  /** Removes `state.json.tmp-*` files: leftovers of a crashed commit (one writer per directory). */
  async #removeStaleTemps(): Promise<void> {
    const prefix = `${STATE_FILE}.tmp-`;
    for (const name of await fs.readdir(this.dir)) {
      if (name.startsWith(prefix)) await fs.rm(path.join(this.dir, name), { force: true });
    }
  }
}

/** fsync of a directory, so a rename in it survives a power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
