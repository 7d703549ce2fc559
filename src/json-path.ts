/**
 * Reading dotted paths (`data.contact.email`, `data.items[].quantity`) out of parsed JSON
 * without ever touching prototypes: only own properties are read, so `__proto__` keys in a
 * payload are plain data.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const splitCache = new Map<string, string[]>();

function steps(path: string): string[] {
  let s = splitCache.get(path);
  if (s === undefined) {
    s = path.split(".");
    splitCache.set(path, s);
  }
  return s;
}

/** Value at a dotted path of own properties; `undefined` when any step is missing. */
export function getPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const step of steps(path)) {
    if (!isPlainObject(node) || !Object.prototype.hasOwnProperty.call(node, step)) return undefined;
    node = node[step];
  }
  return node;
}

/** One value found by `collectPath`, with its concrete path (`["data","items",2,"quantity"]`). */
export interface PathValue {
  readonly path: ReadonlyArray<string | number>;
  readonly value: unknown;
}

/**
 * Every value at a path where `name[]` walks each element of an array.
 * Missing steps yield nothing; a non-array where `[]` is asked yields nothing.
 */
export function collectPath(root: unknown, path: string): PathValue[] {
  let frontier: PathValue[] = [{ path: [], value: root }];
  for (const raw of steps(path)) {
    const walkArray = raw.endsWith("[]");
    const step = walkArray ? raw.slice(0, -2) : raw;
    const next: PathValue[] = [];
    for (const { path: p, value } of frontier) {
      if (!isPlainObject(value) || !Object.prototype.hasOwnProperty.call(value, step)) continue;
      const child = value[step];
      if (!walkArray) next.push({ path: [...p, step], value: child });
      else if (Array.isArray(child)) child.forEach((v, i) => next.push({ path: [...p, step, i], value: v }));
    }
    frontier = next;
  }
  return frontier;
}

/**
 * True when a JSON value nests objects or arrays deeper than `limit` levels (a scalar is 0
 * levels, `{}` 1). Recursion stops at `limit + 1` levels, so a 100k-deep payload is safe.
 * `nestsDeeperThan({a: [1]}, 1)` -> true.
 */
export function nestsDeeperThan(value: unknown, limit: number, depth = 1): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth > limit) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestsDeeperThan(value[i], limit, depth + 1)) return true;
    return false;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) if (Object.prototype.hasOwnProperty.call(obj, key) && nestsDeeperThan(obj[key], limit, depth + 1)) return true;
  return false;
}

/**
 * JSON text with object keys sorted at every level, so two payloads equal up to key order
 * give the same text. Call only on values whose depth was checked (it recurses).
 */
export function canonicalJson(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return out + "]";
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) out += (i > 0 ? "," : "") + JSON.stringify(keys[i]) + ":" + canonicalJson(obj[keys[i]]);
  return out + "}";
}
