import { PubSub } from "@google-cloud/pubsub";
import { explainPubSubError } from "./pubsub-errors";

/**
 * A Pub/Sub client for `projectId`. With `PUBSUB_EMULATOR_HOST` set (read when the client is
 * created) it talks plaintext gRPC to the emulator and needs no credentials; otherwise it uses
 * Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud, or the metadata
 * server). Missing credentials surface on the first call, as a `PubSubCredentialsError` from
 * the classes of this folder (which run {@link checkPubSubCredentials} first). The caller owns
 * the client: `await client.close()` when done.
 */
export function createPubSubClient(projectId: string): PubSub {
  if (projectId.length === 0) throw new RangeError("Pub/Sub: projectId is empty");
  return new PubSub({ projectId });
}

/**
 * Resolves when `client` can authenticate: at once for the emulator, else once Application
 * Default Credentials are found (cached by the client's auth object, so later calls reuse them).
 * Rejects with a `PubSubCredentialsError` naming what to set when there are none.
 *
 * Run it before the first call: when credentials are missing, the client library itself fails
 * every RPC method stub it prepared, and all but the called one surface as unhandled rejections.
 */
export async function checkPubSubCredentials(client: PubSub): Promise<void> {
  if (client.isEmulator) return;
  try {
    await client.auth.getClient();
  } catch (err) {
    throw explainPubSubError(err);
  }
}
