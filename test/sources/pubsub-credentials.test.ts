import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PubSubSource } from "../../src/sources/pubsub";
import { createTopicAndSubscription } from "../../src/sources/pubsub-admin";
import { createPubSubClient } from "../../src/sources/pubsub-client";
import { PubSubCredentialsError } from "../../src/sources/pubsub-errors";
import { PubSubPublisher } from "../../src/sources/pubsub-publisher";

// No emulator, no key file, no gcloud config (HOME and CLOUDSDK_CONFIG point at an empty
// directory) and no metadata server lookup: the client has no way to authenticate.
// No network traffic leaves the process: the auth library fails before any request.
const home = fs.mkdtempSync(path.join(os.tmpdir(), "no-creds-"));
delete process.env.PUBSUB_EMULATOR_HOST;
delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
process.env.METADATA_SERVER_DETECTION = "none";
process.env.HOME = home;
process.env.CLOUDSDK_CONFIG = home;

const HINT = /set PUBSUB_EMULATOR_HOST .* for the emulator or GOOGLE_APPLICATION_CREDENTIALS .* for GCP/;

test("without emulator or credentials every entry point says what to set", { timeout: 60_000 }, async () => {
  const client = createPubSubClient("no-creds-project");
  try {
    const publisher = new PubSubPublisher(client);
    await assert.rejects(publisher.publish("t", ["{}"]), (err: unknown) => err instanceof PubSubCredentialsError && HINT.test(err.message));

    await assert.rejects(createTopicAndSubscription("no-creds-project", "t", "s", { client }), (err: unknown) => err instanceof PubSubCredentialsError && HINT.test(err.message));

    const source = new PubSubSource(client, "s");
    await assert.rejects(source.next(10, 20_000), (err: unknown) => err instanceof PubSubCredentialsError && /Could not load the default credentials/.test(err.message));
    await assert.rejects(source.next(10, 10), PubSubCredentialsError, "the failure sticks");
    await source.close();
  } finally {
    await client.close();
  }
  assert.ok(true, "closing a client that never authenticated does not throw");
});
