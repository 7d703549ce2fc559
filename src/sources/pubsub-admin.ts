import type { PubSub } from "@google-cloud/pubsub";
import { checkPubSubCredentials, createPubSubClient } from "./pubsub-client";
import { explainPubSubError } from "./pubsub-errors";

/** Options of {@link createTopicAndSubscription}. */
export interface TopicAndSubscriptionOptions {
  /**
   * Topic that receives messages nacked (or not acked in time) `maxDeliveryAttempts` times.
   * Also makes the service count `delivery_attempt` (without a dead-letter policy it is null).
   * Created when missing, with a subscription `deadLetterSubscription` so dead letters are kept
   * (a topic without subscriptions drops what it receives). On GCP the Pub/Sub service account
   * also needs publisher rights on it and subscriber rights on the subscription.
   */
  readonly deadLetterTopic?: string;
  /** Subscription on the dead-letter topic; default `<deadLetterTopic>-sub`. */
  readonly deadLetterSubscription?: string;
  /** Deliveries before a message goes to the dead-letter topic, 5..100; default 5. */
  readonly maxDeliveryAttempts?: number;
  /** Ack deadline of the subscription in seconds, 10..600; default 60. */
  readonly ackDeadlineSeconds?: number;
  /** Client to use; default a new one for `projectId`, closed before returning. */
  readonly client?: PubSub;
}

/** Full resource names of what {@link createTopicAndSubscription} ensured. */
export interface CreatedTopicAndSubscription {
  readonly topic: string;
  readonly subscription: string;
  readonly deadLetterTopic: string | null;
  readonly deadLetterSubscription: string | null;
}

/**
 * Ensures a topic and a pull subscription on it (and, with `deadLetterTopic`, the dead-letter
 * topic, its subscription and the subscription's dead-letter policy). Idempotent: existing
 * resources are kept as they are (an existing subscription's settings are not changed).
 * For tests and setup; works against the emulator (`PUBSUB_EMULATOR_HOST`) and GCP.
 */
export async function createTopicAndSubscription(
  projectId: string,
  topic: string,
  subscription: string,
  options: TopicAndSubscriptionOptions = {},
): Promise<CreatedTopicAndSubscription> {
  const maxDeliveryAttempts = options.maxDeliveryAttempts ?? 5;
  const ackDeadlineSeconds = options.ackDeadlineSeconds ?? 60;
  if (!Number.isInteger(maxDeliveryAttempts) || maxDeliveryAttempts < 5 || maxDeliveryAttempts > 100) {
    throw new RangeError(`createTopicAndSubscription: maxDeliveryAttempts ${maxDeliveryAttempts} is outside 5..100`);
  }
  if (!Number.isInteger(ackDeadlineSeconds) || ackDeadlineSeconds < 10 || ackDeadlineSeconds > 600) {
    throw new RangeError(`createTopicAndSubscription: ackDeadlineSeconds ${ackDeadlineSeconds} is outside 10..600`);
  }
  const client = options.client ?? createPubSubClient(projectId);
  try {
    await checkPubSubCredentials(client);
    const topicName = await ensureTopic(client, topic);
    let deadLetterTopic: string | null = null;
    let deadLetterSubscription: string | null = null;
    if (options.deadLetterTopic !== undefined) {
      deadLetterTopic = await ensureTopic(client, options.deadLetterTopic);
      deadLetterSubscription = await ensureSubscription(client, options.deadLetterTopic, options.deadLetterSubscription ?? `${options.deadLetterTopic}-sub`, {
        ackDeadlineSeconds,
      });
    }
    const subscriptionName = await ensureSubscription(client, topic, subscription, {
      ackDeadlineSeconds,
      ...(deadLetterTopic === null ? {} : { deadLetterPolicy: { deadLetterTopic, maxDeliveryAttempts } }),
    });
    return { topic: topicName, subscription: subscriptionName, deadLetterTopic, deadLetterSubscription };
  } catch (err) {
    throw explainPubSubError(err);
  } finally {
    if (options.client === undefined) await client.close();
  }
}

/** gRPC status ALREADY_EXISTS. */
const ALREADY_EXISTS = 6;

async function ensureTopic(client: PubSub, name: string): Promise<string> {
  const topic = client.topic(name);
  try {
    await topic.create();
  } catch (err) {
    if (grpcCode(err) !== ALREADY_EXISTS) throw err;
  }
  return topic.name;
}

async function ensureSubscription(
  client: PubSub,
  topic: string,
  name: string,
  settings: { ackDeadlineSeconds: number; deadLetterPolicy?: { deadLetterTopic: string; maxDeliveryAttempts: number } },
): Promise<string> {
  const subscription = client.subscription(name);
  try {
    await client.topic(topic).createSubscription(name, settings);
  } catch (err) {
    if (grpcCode(err) !== ALREADY_EXISTS) throw err;
  }
  return subscription.name;
}

function grpcCode(err: unknown): number | undefined {
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === "number" ? code : undefined;
}
