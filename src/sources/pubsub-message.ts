import { isUtf8 } from "buffer";
import type { DeliveryMeta } from "../event";
import { isPlainObject } from "../json-path";
import { bodyStart } from "../validate";

/**
 * One Pub/Sub message as a micro-batch sees it: the input line for the validator plus the
 * delivery metadata. Ack or nack it through the source that returned it.
 */
export interface PulledMessage {
  /**
   * The line to feed `validateLine`: UTF-8 JSON bytes. When the message data is a JSON object,
   * it is that object with the delivery fields `message_id`, `publish_time`, `attributes`,
   * `delivery_attempt` set at the top level (and the id / timestamp attributes mapped in, see
   * {@link LineMapping}); otherwise (invalid UTF-8, invalid JSON, not an object) it is the
   * message data byte for byte, which becomes a dead letter downstream.
   */
  readonly line: Buffer;
  /** Whether `line` carries the merged delivery fields (false: it is the raw message data). */
  readonly merged: boolean;
  /** The delivery metadata, also for messages whose line could not carry it. */
  readonly meta: DeliveryMeta & { readonly message_id: string; readonly publish_time: string; readonly attributes: Readonly<Record<string, string>> };
  /** Pub/Sub ordering key; null when the message has none. */
  readonly ordering_key: string | null;
  /** When this client received the message, epoch ms. */
  readonly received_at: number;
}

/**
 * How attributes map into the line, as Dataflow's `idAttribute` / `timestampAttribute` do.
 * A mapped attribute that is present on a message overrides the field in the data; one that is
 * absent leaves the data as it is.
 */
export interface LineMapping {
  /** Attribute holding the event id; copied as a string to `eventIdField`. */
  readonly idAttribute?: string;
  /**
   * Attribute holding the event time: milliseconds since the epoch (digits only, written to the
   * line as ISO-8601 UTC) or an RFC 3339 string (copied as is; the validator judges it).
   */
  readonly timestampAttribute?: string;
  /** Dotted path of the event id in the line (the config's `envelope.event_id`); default `event_id`. */
  readonly eventIdField?: string;
  /** Dotted path of the event time in the line (the config's `envelope.timestamp`); default `timestamp`. */
  readonly timestampField?: string;
}

/** What the line is built from: the fields of a received message the library gives. */
export interface ReceivedPubSubMessage {
  readonly id: string;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  /** Publish time, epoch ms. */
  readonly publishTimeMs: number;
  /** 0 or absent when the subscription has no dead-letter policy (the service sends none). */
  readonly deliveryAttempt?: number;
  readonly orderingKey?: string;
}

/**
 * Builds the {@link PulledMessage} of a received message. The delivery fields overwrite
 * same-named top-level fields of the data. When no field it sets exists yet and all are
 * top-level, the line is the received text with the fields appended before the closing brace
 * (so it stays "as received" otherwise); else the object is re-serialized (existing keys keep
 * their order, new ones come last).
 *
 * @example
 * toPulledMessage({ id: "7", data: Buffer.from('{"a":1}'), attributes: {}, publishTimeMs: 0 }, {}, 5)
 * // line: {"a":1,"message_id":"7","publish_time":"1970-01-01T00:00:00.000Z","attributes":{},"delivery_attempt":null}
 */
export function toPulledMessage(msg: ReceivedPubSubMessage, mapping: LineMapping, receivedAt: number): PulledMessage {
  const attributes: Record<string, string> = { ...msg.attributes };
  const meta = {
    message_id: msg.id,
    publish_time: new Date(msg.publishTimeMs).toISOString(),
    attributes,
    delivery_attempt: msg.deliveryAttempt !== undefined && msg.deliveryAttempt > 0 ? msg.deliveryAttempt : null,
  };
  const built = buildLine(msg.data, meta, mapping);
  return {
    line: built ?? msg.data,
    merged: built !== null,
    meta,
    ordering_key: msg.orderingKey ? msg.orderingKey : null,
    received_at: receivedAt,
  };
}

/** The merged line, or null when the data is not a UTF-8 JSON object. */
function buildLine(data: Buffer, meta: DeliveryMeta, mapping: LineMapping): Buffer | null {
  const body = data.subarray(bodyStart(data));
  if (!isUtf8(body)) return null;
  const text = body.toString("utf8");
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isPlainObject(obj)) return null;

  const sets: Array<[string[], unknown]> = [];
  const idValue = mapping.idAttribute !== undefined ? meta.attributes?.[mapping.idAttribute] : undefined;
  if (idValue !== undefined) sets.push([splitPath(mapping.eventIdField ?? "event_id"), idValue]);
  const tsValue = mapping.timestampAttribute !== undefined ? meta.attributes?.[mapping.timestampAttribute] : undefined;
  if (tsValue !== undefined) sets.push([splitPath(mapping.timestampField ?? "timestamp"), attributeTime(tsValue)]);
  sets.push([["message_id"], meta.message_id], [["publish_time"], meta.publish_time], [["attributes"], meta.attributes], [["delivery_attempt"], meta.delivery_attempt]);

  const appendable = sets.every(([path]) => path.length === 1 && !Object.prototype.hasOwnProperty.call(obj, path[0]));
  if (appendable) {
    const close = text.lastIndexOf("}");
    let out = text.slice(0, close);
    let first = Object.keys(obj).length === 0;
    for (const [path, value] of sets) {
      out += (first ? "" : ",") + JSON.stringify(path[0]) + ":" + JSON.stringify(value);
      first = false;
    }
    return Buffer.from(out + "}", "utf8");
  }
  for (const [path, value] of sets) setPath(obj, path, value);
  return Buffer.from(JSON.stringify(obj), "utf8");
}

/** Digits-only values are epoch milliseconds (Dataflow's convention); anything else is kept. */
function attributeTime(value: string): string {
  if (/^\d{1,16}$/.test(value)) {
    const d = new Date(Number(value));
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return value;
}

function splitPath(path: string): string[] {
  const parts = path.split(".");
  if (parts.some((p) => p.length === 0)) throw new RangeError(`Pub/Sub line mapping: bad field path ${JSON.stringify(path)}`);
  return parts;
}

/** Sets `path` in `root`, creating (or replacing non-object) intermediate objects. */
function setPath(root: Record<string, unknown>, path: string[], value: unknown): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = Object.prototype.hasOwnProperty.call(node, path[i]) ? node[path[i]] : undefined;
    if (isPlainObject(next)) {
      node = next;
    } else {
      const created: Record<string, unknown> = {};
      define(node, path[i], created);
      node = created;
    }
  }
  define(node, path[path.length - 1], value);
}

/** Own-property assignment that is safe for keys like `__proto__`. */
function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}
