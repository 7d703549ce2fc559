/**
 * Pub/Sub client errors made readable: the Google auth library's "Could not load the default
 * credentials" says nothing about the emulator, which is what a developer usually forgot.
 */

/** The client found neither an emulator host nor Google credentials. */
export class PubSubCredentialsError extends Error {
  override readonly name = "PubSubCredentialsError";
  constructor(cause: unknown) {
    super(
      "Pub/Sub: no credentials found: set PUBSUB_EMULATOR_HOST (e.g. 127.0.0.1:8085) for the emulator " +
        "or GOOGLE_APPLICATION_CREDENTIALS (a service account key file) for GCP " +
        `(client said: ${firstLine(cause)})`,
      { cause },
    );
  }
}

/** The text the Google auth library throws when Application Default Credentials are missing. */
const NO_CREDENTIALS = "Could not load the default credentials";

/**
 * `err` as an Error, replaced by a {@link PubSubCredentialsError} (with `err` as its cause) when
 * it is the auth library's missing-credentials error. Other errors pass through unchanged.
 */
export function explainPubSubError(err: unknown): Error {
  if (err instanceof PubSubCredentialsError) return err;
  if (err instanceof Error && err.message.includes(NO_CREDENTIALS)) return new PubSubCredentialsError(err);
  return err instanceof Error ? err : new Error(String(err));
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n", 1)[0].slice(0, 300);
}
