import { PubSub } from "@google-cloud/pubsub";

/**
 * A Pub/Sub client for `projectId`. With `PUBSUB_EMULATOR_HOST` set (read when the client is
 * created) it talks plaintext gRPC to the emulator and needs no credentials; otherwise it uses
 * Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud, or the metadata
 * server). Missing credentials surface on the first call, as a `PubSubCredentialsError` from
 * the classes of this folder. The caller owns the client: `await client.close()` when done.
 */
export function createPubSubClient(projectId: string): PubSub {
  if (projectId.length === 0) throw new RangeError("Pub/Sub: projectId is empty");
  return new PubSub({ projectId });
}
