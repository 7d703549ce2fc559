import { Duration, type Message, type PubSub, type Subscription } from "@google-cloud/pubsub";
import { checkPubSubCredentials } from "./pubsub-client";
import { explainPubSubError } from "./pubsub-errors";
import { toPulledMessage, type LineMapping, type PulledMessage } from "./pubsub-message";

/** Flow-control default of this source: messages held by the client (received, not acked/nacked). */
export const DEFAULT_MAX_OUTSTANDING_MESSAGES = 10_000;

/** Messages held by a consumer that dies are redelivered within about this many seconds. */
export const DEFAULT_MAX_ACK_DEADLINE_SECONDS = 15;

/** Options of a {@link PubSubSource}. */
export interface PubSubSourceOptions extends LineMapping {
  /**
   * Flow control: at most this many messages are held by the client (delivered and not yet
   * acked or nacked, whether buffered or in a returned batch); the stream pauses at the limit
   * (`allowExcessMessages: false`, so the service sends no more). Must be at least the largest
   * `maxMessages` given to `next`, or a batch could never fill: with the library's default
   * (1,000) and batches of 1,000, every batch waits for the previous acks to reach the service.
   * Default {@link DEFAULT_MAX_OUTSTANDING_MESSAGES}.
   */
  readonly maxOutstandingMessages?: number;
  /** Flow control in bytes of message data held; default 100 MiB (the library's). */
  readonly maxOutstandingBytes?: number;
  /**
   * How long the client keeps extending the ack deadline of a held message (the library's lease
   * manager sends modAcks while a message is neither acked nor nacked); after that the service
   * redelivers it. Default 60 minutes.
   */
  readonly maxExtensionMinutes?: number;
  /** Longest ack deadline a lease extension asks for, in seconds; default 15. */
  readonly maxAckDeadlineSeconds?: number;
  /** Concurrent streaming-pull streams; default 1 (the library's default is 5). */
  readonly maxStreams?: number;
}

/**
 * A pull-based source over one Pub/Sub subscription for a micro-batch loop:
 * `next` -> process -> commit state -> `ack` (or `nack` for redelivery), then `close`.
 * Delivery is at least once: a message whose ack did not reach the service is delivered again
 * (with the same `message_id`), so the consumer deduplicates.
 *
 * Messages arrive on a streaming pull (`subscription.on('message')`) into a buffer as soon as
 * the stream is opened (on the first `next`); their ack deadlines are extended while they are
 * buffered or in hand. `close` nacks whatever was delivered and not acked, so it is redelivered
 * at once.
 *
 * @example
 * const source = new PubSubSource(client, "events-sub", { maxOutstandingMessages: 5_000 });
 * for (;;) {
 *   const batch = await source.next(1_000, 500);
 *   // ... validate batch[i].line, detect, commit state ...
 *   await source.ack(batch);
 * }
 */
export class PubSubSource {
  readonly #client: PubSub;
  readonly #subscription: Subscription;
  readonly #mapping: LineMapping;
  readonly #maxOutstanding: number;
  /** Delivered messages not yet returned by `next`, in arrival order. */
  readonly #buffer: PulledMessage[] = [];
  /** The library message behind each pulled message not yet acked or nacked. */
  readonly #handles = new WeakMap<PulledMessage, Message>();
  readonly #state: {
    /** `next` was called once (the credentials check ran or runs). */
    started: boolean;
    /** The streaming pull was opened. */
    opened: boolean;
    closed: boolean;
    failure: Error | null;
    /** Called on every arrival or failure while a `next` waits. */
    wake: (() => void) | null;
    /** A `next` call is in progress. */
    busy: boolean;
  } = { started: false, opened: false, closed: false, failure: null, wake: null, busy: false };

  /**
   * @param client a Pub/Sub client (see `createPubSubClient`); not closed by this source.
   * @param subscription the subscription's short name (`events-sub`) or full name
   *   (`projects/P/subscriptions/S`). It must exist.
   */
  constructor(client: PubSub, subscription: string, options: PubSubSourceOptions = {}) {
    const maxOutstanding = options.maxOutstandingMessages ?? DEFAULT_MAX_OUTSTANDING_MESSAGES;
    if (!Number.isSafeInteger(maxOutstanding) || maxOutstanding < 1) throw new RangeError(`PubSubSource: bad maxOutstandingMessages ${maxOutstanding}`);
    this.#maxOutstanding = maxOutstanding;
    this.#client = client;
    this.#mapping = {
      idAttribute: options.idAttribute,
      timestampAttribute: options.timestampAttribute,
      eventIdField: options.eventIdField,
      timestampField: options.timestampField,
    };
    this.#subscription = client.subscription(subscription, {
      flowControl: {
        maxMessages: maxOutstanding,
        maxBytes: options.maxOutstandingBytes ?? 100 * 1024 * 1024,
        allowExcessMessages: false,
      },
      maxExtensionTime: Duration.from({ minutes: options.maxExtensionMinutes ?? 60 }),
      // Lease extensions ask for at most this deadline, so the messages of a consumer that
      // died come back this soon (the library's default lets a lease run up to 10 minutes).
      minAckDeadline: Duration.from({ seconds: 10 }),
      maxAckDeadline: Duration.from({ seconds: options.maxAckDeadlineSeconds ?? DEFAULT_MAX_ACK_DEADLINE_SECONDS }),
      streamingOptions: { maxStreams: options.maxStreams ?? 1 },
    });
  }

  /** The flow-control limit in force (`maxOutstandingMessages`). */
  get maxOutstandingMessages(): number {
    return this.#maxOutstanding;
  }

  /**
   * Up to `maxMessages` messages, in arrival order: resolves as soon as that many are buffered,
   * or when `maxWaitMs` has passed since the call with whatever arrived (possibly none).
   * Rejects with the stream's error (a `PubSubCredentialsError` when credentials are missing);
   * once failed, every later call rejects the same way. One call at a time.
   *
   * @throws RangeError when `maxMessages` exceeds `maxOutstandingMessages`.
   */
  async next(maxMessages: number, maxWaitMs: number): Promise<PulledMessage[]> {
    if (!Number.isSafeInteger(maxMessages) || maxMessages < 1) throw new RangeError(`PubSubSource.next: bad maxMessages ${maxMessages}`);
    if (maxMessages > this.#maxOutstanding) {
      throw new RangeError(`PubSubSource.next: maxMessages ${maxMessages} exceeds maxOutstandingMessages ${this.#maxOutstanding}; raise the flow-control limit`);
    }
    if (this.#state.closed) throw new Error("PubSubSource: closed");
    if (this.#state.busy) throw new Error("PubSubSource.next: a call is already waiting");
    this.#state.busy = true;
    try {
      if (!this.#state.started) {
        this.#state.started = true;
        try {
          await checkPubSubCredentials(this.#client);
        } catch (err) {
          this.#state.failure = explainPubSubError(err);
        }
        if (this.#state.failure === null && !this.#state.closed) this.#open();
      }
      if (this.#buffer.length < maxMessages && this.#state.failure === null && !this.#state.closed && maxWaitMs > 0) {
        await this.#waitFor(maxMessages, maxWaitMs);
      }
    } finally {
      this.#state.busy = false;
    }
    if (this.#state.failure !== null) throw this.#state.failure;
    return this.#buffer.splice(0, Math.min(maxMessages, this.#buffer.length));
  }

  /** Resolves when `count` messages are buffered, the stream failed, the source closed, or after `ms`. */
  #waitFor(count: number, ms: number): Promise<void> {
    const state = this.#state;
    const buffer = this.#buffer;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        state.wake = null;
        resolve();
      }
      state.wake = () => {
        if (buffer.length >= count || state.failure !== null || state.closed) done();
      };
    });
  }

  /**
   * Acknowledges messages returned by `next`: they are not delivered again (unless the ack is
   * lost, e.g. the process dies before the library's ack batch is sent, within ~100 ms; `close`
   * flushes it). On exactly-once subscriptions it resolves once the service confirmed.
   * Messages already acked or nacked are skipped.
   */
  async ack(messages: ReadonlyArray<PulledMessage>): Promise<void> {
    await this.#settle(messages, (m) => m.ackWithResponse());
  }

  /**
   * Negative-acknowledges messages returned by `next`: the service redelivers them right away
   * (after the subscription's retry-policy backoff, if any), counting a delivery attempt; after
   * `maxDeliveryAttempts` a subscription with a dead-letter policy forwards them there instead.
   */
  async nack(messages: ReadonlyArray<PulledMessage>): Promise<void> {
    await this.#settle(messages, (m) => m.nackWithResponse());
  }

  /**
   * Stops the stream: messages delivered and not acked (buffered or in hand) are nacked, pending
   * acks are flushed. Idempotent. A waiting `next` resolves with what was buffered.
   */
  async close(): Promise<void> {
    if (this.#state.closed) return;
    this.#state.closed = true;
    this.#buffer.length = 0;
    this.#state.wake?.();
    if (this.#state.opened) {
      this.#subscription.removeAllListeners("message");
      try {
        await this.#subscription.close();
      } catch (err) {
        if (this.#state.failure === null) throw explainPubSubError(err);
      }
    }
  }

  /** Opens the stream: messages flow into the buffer from now on. */
  #open(): void {
    this.#state.opened = true;
    this.#subscription.on("message", (message: Message) => {
      if (this.#state.closed) {
        message.nack();
        return;
      }
      const pulled = toPulledMessage(
        {
          id: message.id,
          data: message.data,
          attributes: message.attributes ?? {},
          publishTimeMs: message.publishTime.getTime(),
          deliveryAttempt: message.deliveryAttempt,
          orderingKey: message.orderingKey,
        },
        this.#mapping,
        Date.now(),
      );
      this.#handles.set(pulled, message);
      this.#buffer.push(pulled);
      this.#state.wake?.();
    });
    this.#subscription.on("error", (err: unknown) => {
      if (this.#state.failure === null) this.#state.failure = explainPubSubError(err);
      this.#state.wake?.();
    });
  }

  async #settle(messages: ReadonlyArray<PulledMessage>, op: (m: Message) => Promise<unknown>): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (const pulled of messages) {
      const handle = this.#handles.get(pulled);
      if (handle === undefined) continue;
      this.#handles.delete(pulled);
      pending.push(op(handle));
    }
    try {
      await Promise.all(pending);
    } catch (err) {
      throw explainPubSubError(err);
    }
  }
}
