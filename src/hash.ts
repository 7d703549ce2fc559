import { hash } from "crypto";

/**
 * Deterministic id of a finding: sha256 over the JSON of its identifying parts,
 * 32 hex characters. Never include processing time in `parts`.
 */
export function stableId(parts: ReadonlyArray<string | number | null>): string {
  return hash("sha256", JSON.stringify(parts), "hex").slice(0, 32);
}
