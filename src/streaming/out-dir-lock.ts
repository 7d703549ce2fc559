import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The lock file a running stream or run holds in its output directory. */
export const LOCK_FILE = ".lock";
/** How often a holder touches its lock (a timer: it fires when the event loop is free, between batches and while waiting for messages). */
export const LOCK_REFRESH_MS = 30_000;
/** A lock not touched for this long is abandoned, whoever holds it (another host, a reused pid). */
export const LOCK_STALE_MS = 10 * 60_000;

/** Another live process holds the output directory. */
export class OutDirLockedError extends Error {
  override readonly name = "OutDirLockedError";
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * Takes `dir` for this process (`recover stream`, and `recover run`, whose outputs would
 * overwrite a running stream's): a stream truncates its outputs to the committed offsets at
 * start and commits its whole state after each batch, so two processes on one output directory
 * (a scheduled catch-up run started while the last one still runs) would cut each other's
 * outputs and overwrite each other's state. The lock is `dir/.lock`, created exclusively, with
 * the holder's pid, host and start time, touched every `refreshMs` while held. A lock left by a
 * process that is gone is taken over: on this host, no such pid (or this very pid not holding
 * it, as a restarted container's pid 1); on any host, not touched for LOCK_STALE_MS (a pod
 * rescheduled under a new host name, a pid reused after a reboot). Returns the release function
 * (it stops the touching and removes the file only while it is still this process's).
 */
export function lockOutDir(dir: string, refreshMs = LOCK_REFRESH_MS): () => void {
  const file = path.join(dir, LOCK_FILE);
  const key = path.resolve(file);
  if (HELD.has(key)) throw new OutDirLockedError(`${dir} is in use by this process (another run or stream in it); one per output directory`);
  const mine: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  const text = JSON.stringify(mine) + "\n";
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, text, { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const seen = readText(file);
      const holder = seen === null ? null : readHolder(file, seen);
      const locked = (who: string) => new OutDirLockedError(`${dir} is in use by ${who} (a recover stream or run); stop it first, or delete ${file} if that process is gone`);
      if (holder === "being written" || (holder !== null && !isGone(holder, file)) || attempt >= MAX_TAKEOVER_ATTEMPTS) {
        throw locked(holder === null || holder === "being written" ? "another process" : `pid ${holder.pid} on ${holder.host} since ${holder.since}`);
      }
      if (seen !== null && removeIfStill(file, seen) === "live") throw locked("another process, which took it over just now");
    }
  }
  HELD.add(key);
  const ours = () => fs.existsSync(file) && fs.readFileSync(file, "utf8") === text;
  const timer = setInterval(() => {
    try {
      const now = new Date();
      if (ours()) fs.utimesSync(file, now, now);
    } catch {
      // the directory went away: nothing left to hold
    }
  }, refreshMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    HELD.delete(key);
    if (ours()) fs.rmSync(file, { force: true });
  };
}

/** How often a process waiting for a lock (`--wait-for-lock`) tries again. */
export const LOCK_POLL_MS = 1_000;

/**
 * `lockOutDir`, trying again every `pollMs` for up to `waitMs` while another live process holds
 * `dir` (a scheduled catch-up run whose previous run has not finished); `onWait` is called once,
 * with the holder's message, when the first try fails. After `waitMs` the OutDirLockedError
 * says how long it waited. Other errors are thrown at once.
 */
export async function waitForOutDirLock(dir: string, waitMs: number, onWait?: (message: string) => void, pollMs = LOCK_POLL_MS): Promise<() => void> {
  const start = Date.now();
  for (let tries = 0; ; tries++) {
    try {
      return lockOutDir(dir);
    } catch (err) {
      if (!(err instanceof OutDirLockedError)) throw err;
      const waited = Date.now() - start;
      if (waited >= waitMs) {
        if (tries === 0) throw err;
        throw new OutDirLockedError(`${err.message} (waited ${(waited / 1000).toFixed(1)} s)`);
      }
      if (tries === 0) onWait?.(err.message);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, waitMs - waited)));
    }
  }
}

/**
 * Runs `body` holding `dir` (created if missing), released however `body` ends; waits for up
 * to `waitMs` while another process holds it (`waitForOutDirLock`).
 */
export async function withOutDirLock<T>(dir: string, body: () => Promise<T>, waitMs = 0, onWait?: (message: string) => void): Promise<T> {
  fs.mkdirSync(dir, { recursive: true });
  const release = await waitForOutDirLock(dir, waitMs, onWait);
  try {
    return await body();
  } finally {
    release();
  }
}

/** The stderr line a waiting run or stream prints once (progress on). */
export function lockWaitNotice(waitMs = 0): (message: string) => void {
  return (message) => process.stderr.write(`[recover] ${message}; waiting up to ${(waitMs / 1000).toFixed(0)} s for it (--wait-for-lock)\n`);
}

/** Takeovers of a lock left behind tried before giving up (each lost to another process taking it first). */
const MAX_TAKEOVER_ATTEMPTS = 3;

/** The lock file's text; null when it is gone. */
function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/**
 * Removes the lock `file` only if it still holds `stale` (the left-behind lock judged gone), in
 * one atomic step: it is renamed to a name of this process's own, and read there. Two processes
 * taking over the same stale lock at once both judged it gone; with a plain remove, the slower
 * one deleted the lock the faster one had just created in its place, and both ran on one output
 * directory (one trial in 25 wrote every event twice). Here the slower one's rename takes the
 * new lock instead, sees another text, and links it back: "live". "removed": the stale lock is
 * gone; "gone": someone else removed it first.
 */
export function removeIfStill(file: string, stale: string): "removed" | "gone" | "live" {
  const taken = `${file}.takeover-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.renameSync(file, taken);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw err;
  }
  try {
    if (fs.readFileSync(taken, "utf8") === stale) return "removed";
    // Another process's fresh lock: put it back where it was (a third process may have taken
    // the place meanwhile, which three taking over one stale lock at the same instant could do).
    try {
      fs.linkSync(taken, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    return "live";
  } finally {
    fs.rmSync(taken, { force: true });
  }
}

/** Lock files this process holds (so a lock naming this pid that is not here is a previous life's). */
const HELD = new Set<string>();

/** Milliseconds a lock file may stay unreadable (being written by its creator) before it counts as left behind. */
const UNREADABLE_GRACE_MS = 10_000;

/** The lock's holder, from its `text`; null: unreadable and older than the grace (left behind, taken over). */
function readHolder(file: string, text: string): Holder | "being written" | null {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === "number" && typeof h.host === "string") return { pid: h.pid, host: h.host, since: String(h.since) };
  } catch {
    // half-written, or not ours
  }
  try {
    return Date.now() - fs.statSync(file).mtimeMs < UNREADABLE_GRACE_MS ? "being written" : null;
  } catch {
    return null; // gone meanwhile
  }
}

function isGone(h: Holder, file: string): boolean {
  try {
    if (Date.now() - fs.statSync(file).mtimeMs > LOCK_STALE_MS) return true;
  } catch {
    return true; // removed meanwhile
  }
  if (h.host !== os.hostname()) return false;
  if (h.pid === process.pid) return true;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}
