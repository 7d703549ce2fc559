import type { PubSub, Topic } from "@google-cloud/pubsub";
import { checkPubSubCredentials } from "./pubsub-client";
import { explainPubSubError } from "./pubsub-errors";

/** Batching of a {@link PubSubPublisher} (the client library's publish batching). */
export interface PubSubPublisherOptions {
  /** Messages per publish request; default 1,000 (the service allows up to 1,000). */
  readonly maxMessagesPerRequest?: number;
  /** Longest a message waits for its request to fill; default 10 ms. */
  readonly maxDelayMs?: number;
  /** Bytes per publish request; default 9 MiB (the service allows 10 MB). */
  readonly maxBytesPerRequest?: number;
}

/** Attributes of a published message: one map for all lines, or one per line (same length). */
export type PublishAttributes = Readonly<Record<string, string>> | ReadonlyArray<Readonly<Record<string, string>>>;

/**
 * Publishes lines (one message each) to Pub/Sub topics, batched into requests by the client
 * library. Used by tests, setup scripts and the Pub/Sub sinks (reprocess requests, dead letters).
 *
 * @example
 * const publisher = new PubSubPublisher(client);
 * const ids = await publisher.publish("events", ['{"event_id":"a"}'], { source: "s1" });
 * await publisher.close();
 */
export class PubSubPublisher {
  readonly #client: PubSub;
  readonly #options: Required<PubSubPublisherOptions>;
  readonly #topics = new Map<string, Topic>();
  /** The credentials check, run once before the first publish. */
  readonly #ready: { promise: Promise<void> | null } = { promise: null };

  /** @param client a Pub/Sub client (see `createPubSubClient`); not closed by this publisher. */
  constructor(client: PubSub, options: PubSubPublisherOptions = {}) {
    this.#client = client;
    this.#options = {
      maxMessagesPerRequest: options.maxMessagesPerRequest ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 10,
      maxBytesPerRequest: options.maxBytesPerRequest ?? 9 * 1024 * 1024,
    };
  }

  /**
   * Publishes every line as one message (the line's UTF-8 bytes, or the buffer as is) with the
   * given attributes, and resolves with the message ids in line order once the service has
   * stored all of them. Rejects with the first failure (some messages may have been published:
   * publishing is at least once); a `PubSubCredentialsError` when credentials are missing.
   *
   * @param topic the topic's short name or full name (`projects/P/topics/T`); it must exist.
   */
  async publish(topic: string, lines: ReadonlyArray<string | Buffer>, attributes?: PublishAttributes): Promise<string[]> {
    if (isPerLine(attributes) && attributes.length !== lines.length) {
      throw new RangeError(`PubSubPublisher.publish: ${attributes.length} attribute maps for ${lines.length} lines`);
    }
    this.#ready.promise ??= checkPubSubCredentials(this.#client);
    await this.#ready.promise;
    const handle = this.#topic(topic);
    const pending = lines.map((line, i) =>
      handle.publishMessage({
        data: typeof line === "string" ? Buffer.from(line, "utf8") : line,
        attributes: attributes === undefined ? undefined : { ...(isPerLine(attributes) ? attributes[i] : attributes) },
      }),
    );
    try {
      return await Promise.all(pending);
    } catch (err) {
      // Wait for the rest so no publish outlives the call unobserved.
      await Promise.allSettled(pending);
      throw explainPubSubError(err);
    }
  }

  /** Sends every batched message still waiting. */
  async flush(): Promise<void> {
    try {
      await Promise.all([...this.#topics.values()].map((t) => t.flush()));
    } catch (err) {
      throw explainPubSubError(err);
    }
  }

  /** Flushes and forgets the topics; the client stays open. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.#topics.clear();
    }
  }

  #topic(name: string): Topic {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = this.#client.topic(name, {
        batching: {
          maxMessages: this.#options.maxMessagesPerRequest,
          maxMilliseconds: this.#options.maxDelayMs,
          maxBytes: this.#options.maxBytesPerRequest,
        },
      });
      this.#topics.set(name, topic);
    }
    return topic;
  }
}

function isPerLine(a: PublishAttributes | undefined): a is ReadonlyArray<Readonly<Record<string, string>>> {
  return Array.isArray(a);
}
