/**
 * Reading and copy-on-write updating of dotted paths in event data, safe with untrusted keys
 * (`__proto__` keys are read only as own properties and written with `defineProperty`).
 * Paths start at the event: `data.contact.phone` addresses `data["contact"]["phone"]`.
 *
 * `setPath({ a: { b: 1 } }, "data.a.b", 2)` -> a new `{ a: { b: 2 } }`; the input is not changed.
 */

/** Keys refused in configured paths, so a path can never reach a prototype. */
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Segments of a path below `data`; null when it does not start with `data.` or uses a forbidden key.
 * `dataSegments("data.contact.phone")` -> `["contact", "phone"]`.
 */
export function dataSegments(path: string): string[] | null {
  const cached = SEGMENTS.get(path);
  if (cached !== undefined) return cached;
  const parts = path.split(".");
  const rest = parts.slice(1);
  const result = parts.length >= 2 && parts[0] === "data" && rest.every((p) => p.length > 0 && !FORBIDDEN.has(p)) ? rest : null;
  if (SEGMENTS.size < 1024) SEGMENTS.set(path, result);
  return result;
}

/** Parsed paths (config paths: a handful), so hot rules do not split strings per event. */
const SEGMENTS = new Map<string, string[] | null>();

/** Own property of a record, or undefined. `ownGet({}, "__proto__")` -> undefined. */
export function ownGet(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A copy of `obj` with own data property `key` set to `value` (safe for any key). */
export function withKey(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...obj };
  Object.defineProperty(copy, key, { value, writable: true, enumerable: true, configurable: true });
  return copy;
}

/**
 * Value at `path` in `data`, or undefined when absent.
 * `getPath({ contact: { phone: "1" } }, "data.contact.phone")` -> `"1"`.
 */
export function getPath(data: Record<string, unknown>, path: string): unknown {
  const segments = dataSegments(path);
  if (segments === null) return undefined;
  let node: unknown = data;
  for (const key of segments) {
    if (!isRecord(node)) return undefined;
    node = ownGet(node, key);
  }
  return node;
}

/**
 * A copy of `data` with `path` set to `value`; objects on the way are copied, the rest shared.
 * Missing intermediate objects are created. Returns null when the path is invalid or crosses a
 * non-object. `setPath({ n: 1 }, "data.n", 2)` -> `{ n: 2 }`.
 */
export function setPath(data: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> | null {
  const segments = dataSegments(path);
  if (segments === null) return null;
  return setIn(data, segments, value);
}

function setIn(node: Record<string, unknown>, segments: ReadonlyArray<string>, value: unknown): Record<string, unknown> | null {
  const key = segments[0];
  const rest = segments.slice(1);
  if (rest.length === 0) return withKey(node, key, value);
  const child = ownGet(node, key);
  const base = child === undefined ? {} : child;
  if (!isRecord(base)) return null;
  const updated = setIn(base, rest, value);
  return updated === null ? null : withKey(node, key, updated);
}
