/**
 * The detector state a micro-batch loop commits after each batch, and its stored JSON form.
 */

/** Keyed tables of a state: table -> key -> the entry's JSON text. */
export type StateTables = ReadonlyMap<string, ReadonlyMap<string, string>>;
/** What one commit changed in the tables: table -> key -> the new JSON text, or null (deleted). */
export type StateTableChanges = ReadonlyMap<string, ReadonlyMap<string, string | null>>;

/** What a micro-batch loop needs to resume after a restart exactly where the last commit left it. */
export interface CommittedState {
  /** Number of the last batch whose effects this state includes (a non-negative integer). */
  readonly batch: number;
  /** Event-time watermark after that batch, epoch ms (finite; may be a large negative "none"). */
  readonly watermark: number;
  /** Largest event time seen so far, epoch ms (finite). */
  readonly maxEventTime: number;
  /** The detectors' state: any JSON-serializable value (not undefined). */
  readonly detectors: unknown;
  /**
   * Keyed tables committed entry by entry (stores may write only a commit's changes); every
   * text is JSON (the caller's `JSON.stringify`, not checked again). `load` always gives a
   * Map, empty when there are none; `commit` takes none as empty.
   */
  readonly tables?: StateTables;
}

/** Stored format tag; bumped when the stored shape changes incompatibly. */
export const STATE_FORMAT = "event-recovery-state/2";
/** The format before keyed tables (no `tables`): still read. */
export const STATE_FORMAT_1 = "event-recovery-state/1";

/** The header fields of a state, checked: the part every stored form shares. */
function checkHeader(state: CommittedState): void {
  if (!Number.isSafeInteger(state.batch) || state.batch < 0) throw new RangeError(`state: batch must be a non-negative integer, got ${state.batch}`);
  if (!Number.isFinite(state.watermark)) throw new RangeError(`state: watermark must be finite, got ${state.watermark}`);
  if (!Number.isFinite(state.maxEventTime)) throw new RangeError(`state: maxEventTime must be finite, got ${state.maxEventTime}`);
  if (state.detectors === undefined) throw new RangeError("state: detectors is undefined (use null for none)");
}

/** `{"key":text,...}`: a table's entries as a JSON object, the texts spliced in as they are. */
function entriesJson(entries: Iterable<[string, string | null]>): string {
  const parts: string[] = [];
  for (const [key, text] of entries) parts.push(JSON.stringify(key) + ":" + (text ?? "null"));
  return "{" + parts.join(",") + "}";
}

/** `{"table":{...},...}` of tables or table changes. */
export function tablesJson(tables: ReadonlyMap<string, ReadonlyMap<string, string | null>>): string {
  const parts: string[] = [];
  for (const [name, entries] of tables) parts.push(JSON.stringify(name) + ":" + entriesJson(entries));
  return "{" + parts.join(",") + "}";
}

/**
 * The header and detectors of a state as the opening of a JSON object (no closing brace):
 * `{"format":...,"batch":...,"watermark":...,"maxEventTime":...,"detectors":...`, with `extra`
 * fields first.
 */
export function stateHead(state: CommittedState, extra: Record<string, unknown> = {}): string {
  checkHeader(state);
  const head = JSON.stringify({ format: STATE_FORMAT, ...extra, batch: state.batch, watermark: state.watermark, maxEventTime: state.maxEventTime });
  return head.slice(0, -1) + ',"detectors":' + JSON.stringify(state.detectors);
}

/** A table's entries as text Maps: each parsed value written back as JSON text. */
export function tablesFromJson(value: unknown, where: string): Map<string, Map<string, string | null>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`state ${where}: bad tables`);
  const out = new Map<string, Map<string, string | null>>();
  for (const [name, entries] of Object.entries(value as Record<string, unknown>)) {
    if (typeof entries !== "object" || entries === null || Array.isArray(entries)) throw new Error(`state ${where}: bad table ${name}`);
    const texts = new Map<string, string | null>();
    for (const [key, v] of Object.entries(entries as Record<string, unknown>)) texts.set(key, v === null ? null : JSON.stringify(v));
    out.set(name, texts);
  }
  return out;
}

/**
 * The stored text of a state: one JSON object `{format, batch, watermark, maxEventTime,
 * detectors, tables}` (`extra` fields after `format`).
 *
 * @throws RangeError when a number is not finite, `batch` is not a non-negative integer, or
 *   `detectors` is undefined; TypeError (from JSON.stringify) for cycles or BigInts.
 */
export function serializeCommittedState(state: CommittedState, extra: Record<string, unknown> = {}): string {
  return stateHead(state, extra) + ',"tables":' + tablesJson(state.tables ?? new Map()) + "}";
}

/**
 * Parses stored text back into a state, and gives the document's other fields (a store's own,
 * such as a generation).
 *
 * @param where names the store in error messages (a path or a key).
 * @throws Error when the text is not a stored state of this format (corrupt or foreign data):
 *   a store never guesses.
 */
export function parseStateDocument(text: string, where: string): { state: CommittedState & { readonly tables: StateTables }; doc: Record<string, unknown> } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`state ${where}: not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error(`state ${where}: not a JSON object`);
  const o = doc as Record<string, unknown>;
  if (o.format !== STATE_FORMAT && o.format !== STATE_FORMAT_1) throw new Error(`state ${where}: format ${JSON.stringify(o.format)}, expected ${STATE_FORMAT}`);
  const { batch, watermark, maxEventTime } = o;
  if (typeof batch !== "number" || !Number.isSafeInteger(batch) || batch < 0) throw new Error(`state ${where}: bad batch`);
  if (typeof watermark !== "number" || !Number.isFinite(watermark)) throw new Error(`state ${where}: bad watermark`);
  if (typeof maxEventTime !== "number" || !Number.isFinite(maxEventTime)) throw new Error(`state ${where}: bad maxEventTime`);
  if (!Object.prototype.hasOwnProperty.call(o, "detectors")) throw new Error(`state ${where}: no detectors`);
  const tables = new Map<string, Map<string, string>>();
  if (o.format === STATE_FORMAT) {
    for (const [name, entries] of tablesFromJson(o.tables, where)) {
      const texts = new Map<string, string>();
      for (const [key, text] of entries) if (text !== null) texts.set(key, text);
      tables.set(name, texts);
    }
  }
  return { state: { batch, watermark, maxEventTime, detectors: o.detectors, tables }, doc: o };
}
