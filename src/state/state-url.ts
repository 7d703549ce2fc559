import { fileURLToPath } from "url";

/** Where a state store lives, parsed from a `--state` style string. */
export type StateLocation = { readonly kind: "redis"; readonly url: string } | { readonly kind: "file"; readonly dir: string };

/**
 * Parses a state location:
 * - `redis://host:port/db` or `rediss://...` -> Redis (the URL as given; db defaults to 0);
 * - `file:///abs/dir` (a file URL) or `file:DIR` (DIR as written, relative or absolute) -> a directory;
 * - anything else without a `scheme://` -> a plain directory path.
 *
 * @throws RangeError on an empty string, an unknown `scheme://`, or an empty `file:` path.
 *
 * @example
 * parseStateUrl("redis://127.0.0.1:6379/0") // -> { kind: "redis", url: "redis://127.0.0.1:6379/0" }
 * parseStateUrl("file:.state")              // -> { kind: "file", dir: ".state" }
 * parseStateUrl("/var/lib/recover")         // -> { kind: "file", dir: "/var/lib/recover" }
 */
export function parseStateUrl(value: string): StateLocation {
  const text = value.trim();
  if (text.length === 0) throw new RangeError("state location is empty");
  if (/^rediss?:\/\//i.test(text)) {
    const url = new URL(text);
    if (url.hostname.length === 0) throw new RangeError(`state location ${JSON.stringify(value)}: no Redis host`);
    const db = url.pathname.replace(/^\//, "");
    if (db !== "" && !/^\d+$/.test(db)) throw new RangeError(`state location ${JSON.stringify(value)}: Redis db must be a number`);
    return { kind: "redis", url: text };
  }
  if (/^file:\/\//i.test(text)) return { kind: "file", dir: fileURLToPath(text) };
  if (/^file:/i.test(text)) {
    const dir = text.slice(5);
    if (dir.length === 0) throw new RangeError("state location file: has no path");
    return { kind: "file", dir };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme) throw new RangeError(`state location ${JSON.stringify(value)}: unsupported scheme ${scheme[1]} (use redis://, file: or a directory)`);
  return { kind: "file", dir: text };
}
