import { createHash, hash } from "crypto";

/**
 * Deterministic id of a finding: sha256 over the JSON of its identifying parts,
 * 32 hex characters. Never include processing time in `parts`.
 */
export function stableId(parts: ReadonlyArray<string | number | null>): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}

/** Short content hash used for fingerprints (not an identifier users see). */
export function contentHash(text: string): string {
  return hash("sha1", text, "base64");
}
