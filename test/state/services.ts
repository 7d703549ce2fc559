import { execFileSync } from "child_process";
import * as path from "path";

/** The project root: this file runs as dist/test/state/services.js. */
const ROOT = path.resolve(__dirname, "..", "..", "..");

/** A loopback service started (or found running) by `scripts/services/<name>.sh`. */
export interface RunningService {
  /** Whether this call started it (so the test should stop it again). */
  readonly startedHere: boolean;
  /** Stops it if this call started it; a service found running is left alone. */
  stop(): void;
}

/**
 * Runs `scripts/services/<name>.sh start` (idempotent: waits until the service answers) and
 * returns a handle whose `stop` undoes only what this call did. Throws with the script's output
 * when it fails (e.g. the Pub/Sub emulator is not installed).
 */
export function startService(name: "pubsub-emulator" | "redis", env: NodeJS.ProcessEnv = {}): RunningService {
  const script = path.join(ROOT, "scripts", "services", `${name}.sh`);
  const run = (verb: string): string =>
    execFileSync("bash", [script, verb], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 180_000 });
  let out: string;
  try {
    out = run("start");
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${name}.sh start failed: ${e.stderr ?? ""}${e.stdout ?? ""}${e.message}`);
  }
  const startedHere = /\bready on\b/.test(out);
  return {
    startedHere,
    stop() {
      if (startedHere) run("stop");
    },
  };
}
