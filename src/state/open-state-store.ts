import { FileStateStore } from "./file-state-store";
import { RedisStateStore } from "./redis-state-store";
import type { StateStore } from "./state-store";
import { parseStateUrl } from "./state-url";

/**
 * The {@link StateStore} for a location string (see `parseStateUrl`): a `FileStateStore` for a
 * directory, a `RedisStateStore` with key prefix `prefix` for a Redis URL. The prefix names the
 * pipeline, so several pipelines can share one Redis.
 */
export function openStateStore(location: string, prefix: string): StateStore {
  const parsed = parseStateUrl(location);
  return parsed.kind === "redis" ? new RedisStateStore(parsed.url, prefix) : new FileStateStore(parsed.dir);
}
