import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LOCK_FILE, LOCK_STALE_MS, lockOutDir, OutDirLockedError, removeIfStill, waitForOutDirLock } from "../../src/streaming/out-dir-lock";
import { BIN, NOW } from "./support";

function withDir(body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "out-lock-"));
  return Promise.resolve()
    .then(() => body(dir))
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

/** A pid that was a process a moment ago and is not any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

const holder = (pid: number, host = os.hostname()) => JSON.stringify({ pid, host, since: "2026-11-27T00:00:00.000Z" }) + "\n";

test("lockOutDir: one holder per directory; left-behind locks are taken over, live and foreign ones are not", () =>
  withDir(async (dir) => {
    const file = path.join(dir, LOCK_FILE);
    const release = lockOutDir(dir);
    assert.throws(() => lockOutDir(dir), OutDirLockedError, "a second stream in this process");
    release();
    assert.equal(fs.existsSync(file), false, "released: the file is gone");

    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      const cases: Array<{ name: string; content: string; ageMs: number; taken: boolean; message?: RegExp }> = [
        { name: "a live process on this host", content: holder(sleeper.pid!), ageMs: 0, taken: false, message: new RegExp(`pid ${sleeper.pid}`) },
        { name: "another host", content: holder(1, "some-other-host"), ageMs: 0, taken: false, message: /some-other-host/ },
        { name: "a process that is gone", content: holder(deadPid()), ageMs: 0, taken: true },
        { name: "this pid, not held here (a restarted container's pid 1)", content: holder(process.pid), ageMs: 0, taken: true },
        { name: "unreadable, just created (being written)", content: "", ageMs: 0, taken: false, message: /another process/ },
        { name: "unreadable and old", content: "{", ageMs: 60_000, taken: true },
        { name: "another host, untouched for longer than LOCK_STALE_MS (a rescheduled pod)", content: holder(1, "some-other-host"), ageMs: LOCK_STALE_MS + 60_000, taken: true },
        { name: "a live pid on this host, untouched for longer than LOCK_STALE_MS (a reused pid)", content: holder(sleeper.pid!), ageMs: LOCK_STALE_MS + 60_000, taken: true },
        { name: "another host, touched just within LOCK_STALE_MS", content: holder(1, "some-other-host"), ageMs: LOCK_STALE_MS - 60_000, taken: false, message: /some-other-host/ },
      ];
      for (const c of cases) {
        fs.writeFileSync(file, c.content);
        const at = new Date(Date.now() - c.ageMs);
        fs.utimesSync(file, at, at);
        if (c.taken) {
          const r = lockOutDir(dir);
          assert.match(fs.readFileSync(file, "utf8"), new RegExp(`"pid":${process.pid}`), c.name);
          r();
        } else {
          assert.throws(() => lockOutDir(dir), (err: Error) => err instanceof OutDirLockedError && c.message!.test(err.message), c.name);
          assert.equal(fs.readFileSync(file, "utf8"), c.content, `${c.name}: left as it was`);
        }
        fs.rmSync(file, { force: true });
      }
    } finally {
      sleeper.kill();
    }

    const touched = lockOutDir(dir, 50);
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(file, hourAgo, hourAgo);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(Date.now() - fs.statSync(file).mtimeMs < 5_000, "the holder touches its lock");
    touched();

    const mine = lockOutDir(dir);
    fs.writeFileSync(file, holder(12345, "some-other-host"));
    mine();
    assert.equal(fs.existsSync(file), true, "a release never removes another holder's lock");
  }));

test("removeIfStill: removes a left-behind lock only while the file still holds it; a fresh lock put there meanwhile stays", () =>
  withDir((dir) => {
    const file = path.join(dir, LOCK_FILE);
    const stale = holder(deadPid());
    fs.writeFileSync(file, stale);
    assert.equal(removeIfStill(file, stale), "removed");
    assert.equal(fs.existsSync(file), false);
    assert.equal(removeIfStill(file, stale), "gone");
    // The race: this process judged `stale` gone, another took it over first and wrote its own.
    const fresh = holder(process.pid);
    fs.writeFileSync(file, fresh);
    assert.equal(removeIfStill(file, stale), "live");
    assert.equal(fs.readFileSync(file, "utf8"), fresh, "the other process's lock is back in place");
    assert.deepEqual(fs.readdirSync(dir), [LOCK_FILE], "nothing left beside it");
  }));

test("lockOutDir: two processes taking over one left-behind lock at the same instant: exactly one gets it, every round", { timeout: 120_000 }, () =>
  withDir(async (dir) => {
    const script = `const { lockOutDir } = require(${JSON.stringify(path.join(__dirname, "../../src/streaming/out-dir-lock"))});
      const at = Number(process.argv[1]); while (Date.now() < at) {}
      try { lockOutDir(process.argv[2]); process.stdout.write("got"); setTimeout(() => {}, 400); } catch (e) { process.stdout.write(e.name); }`;
    for (let round = 0; round < 20; round++) {
      fs.writeFileSync(path.join(dir, LOCK_FILE), holder(deadPid()));
      const at = Date.now() + 600;
      const outs = await Promise.all(
        [0, 1].map(
          () =>
            new Promise<string>((resolve) => {
              const child = spawn(process.execPath, ["-e", script, String(at), dir], { stdio: ["ignore", "pipe", "inherit"] });
              let out = "";
              child.stdout.on("data", (d: Buffer) => (out += d.toString()));
              child.on("close", () => resolve(out));
            }),
        ),
      );
      assert.deepEqual(outs.filter((o) => o === "got").length, 1, `round ${round}: ${outs.join(", ")}`);
      assert.deepEqual(outs.filter((o) => o !== "got"), ["OutDirLockedError"], `round ${round}`);
      fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
    }
  }));

test("recover stream and recover run on an output directory another live stream holds: exit 1, one line, outputs untouched", () =>
  withDir(async (dir) => {
    const input = path.join(dir, "in.jsonl");
    fs.writeFileSync(input, JSON.stringify({ event_id: "e1", source: "s", sequence: 1, timestamp: "2026-11-25T11:00:00Z", event_type: "t", data: {} }) + "\n");
    const out = path.join(dir, "out");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "events.jsonl"), "written by the running stream\n");
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      fs.writeFileSync(path.join(out, LOCK_FILE), holder(sleeper.pid!));
      const r = spawnSync(process.execPath, [BIN, "stream", "--input", input, "--out", out, "--now", NOW, "--no-duckdb", "--quiet"], { encoding: "utf8" });
      assert.equal(r.status, 1, r.stderr);
      const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`^recover: .* is in use by pid ${sleeper.pid}`));
      assert.equal(fs.readFileSync(path.join(out, "events.jsonl"), "utf8"), "written by the running stream\n");
      assert.equal(fs.existsSync(path.join(out, "state")), false, "no state written");
      const run = spawnSync(process.execPath, [BIN, "run", "--input", input, "--out", out, "--now", NOW, "--no-duckdb", "--quiet"], { encoding: "utf8" });
      assert.equal(run.status, 1, `recover run into a running stream's directory: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`^recover: .* is in use by pid ${sleeper.pid}`));
      assert.equal(fs.readFileSync(path.join(out, "events.jsonl"), "utf8"), "written by the running stream\n");
    } finally {
      const exited = new Promise((resolve) => sleeper.once("exit", resolve));
      sleeper.kill();
      await exited; // reaped: no zombie left to answer for its pid
    }
    // The stand-in output had no state behind it (a stream would refuse it: outputs-match-state).
    fs.rmSync(path.join(out, "events.jsonl"));
    const again = spawnSync(process.execPath, [BIN, "stream", "--input", input, "--out", out, "--now", NOW, "--no-duckdb", "--quiet"], { encoding: "utf8" });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.existsSync(path.join(out, LOCK_FILE)), false, "released at the end");
  }));

test("waitForOutDirLock: takes the directory once its holder lets go within the wait; otherwise says how long it waited", () =>
  withDir(async (dir) => {
    const first = lockOutDir(dir);
    setTimeout(first, 300);
    const notices: string[] = [];
    const started = Date.now();
    const second = await waitForOutDirLock(dir, 5_000, (m) => notices.push(m), 50);
    assert.ok(Date.now() - started >= 250, "it waited for the release");
    assert.match(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8"), new RegExp(`"pid":${process.pid}`));
    assert.equal(notices.length, 1, "one notice, on the first refusal");
    assert.match(notices[0], /is in use/);

    const late = Date.now();
    await assert.rejects(waitForOutDirLock(dir, 300, undefined, 50), (err: Error) => err instanceof OutDirLockedError && /\(waited 0\.[345] s\)$/.test(err.message));
    assert.ok(Date.now() - late >= 300, "it waited the whole time");
    await assert.rejects(waitForOutDirLock(dir, 0), (err: Error) => err instanceof OutDirLockedError && !/waited/.test(err.message), "no wait: the plain refusal");
    second();
  }));

test("recover run --wait-for-lock: waits for a stream that ends, gives up on one that does not (exit 1), refuses a bad value (exit 2)", () =>
  withDir(async (dir) => {
    const input = path.join(dir, "in.jsonl");
    fs.writeFileSync(input, JSON.stringify({ event_id: "e1", source: "s", sequence: 1, timestamp: "2026-11-25T11:00:00Z", event_type: "t", data: {} }) + "\n");
    const out = path.join(dir, "out");
    fs.mkdirSync(out);
    const run = (wait: string) =>
      new Promise<{ status: number | null; stderr: string; ms: number }>((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, [BIN, "run", "--input", input, "--out", out, "--now", NOW, "--no-duckdb", "--wait-for-lock", wait], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (status) => resolve({ status, stderr, ms: Date.now() - started }));
      });
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    const exited = new Promise((resolve) => sleeper.once("exit", resolve));
    try {
      fs.writeFileSync(path.join(out, LOCK_FILE), holder(sleeper.pid!));
      const gaveUp = await run("1");
      assert.equal(gaveUp.status, 1, gaveUp.stderr);
      assert.match(gaveUp.stderr, new RegExp(`in use by pid ${sleeper.pid}.*waiting up to 1 s`));
      assert.match(gaveUp.stderr, /\(waited 1\.\d s\)\n$/);
      assert.equal(fs.existsSync(path.join(out, "events.jsonl")), false, "nothing written while refused");

      const waiting = run("30");
      setTimeout(() => sleeper.kill(), 1_500);
      const ran = await waiting;
      assert.equal(ran.status, 0, ran.stderr);
      assert.ok(ran.ms >= 1_500, `it waited for the holder to end (${ran.ms} ms)`);
      assert.equal(fs.readFileSync(path.join(out, "events.jsonl"), "utf8").split("\n").filter(Boolean).length, 1);
      assert.equal(fs.existsSync(path.join(out, LOCK_FILE)), false, "released at the end");
    } finally {
      sleeper.kill();
      await exited;
    }
    for (const bad of ["-1", "soon", ""]) {
      const r = spawnSync(process.execPath, [BIN, "stream", "--input", input, "--out", out, `--wait-for-lock=${bad}`], { encoding: "utf8" });
      assert.equal(r.status, 2, `--wait-for-lock "${bad}": ${r.stderr}`);
      assert.match(r.stderr, /--wait-for-lock must be a number of seconds >= 0/);
    }
  }));
