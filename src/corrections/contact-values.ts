/**
 * Recognizers for contact values, used by the field-swap rule.
 *
 * `looksLikeEmail("ann@example.com")` -> true; `looksLikeEmail("+15551234567@sms.example.com")` -> true;
 * `looksLikePhone("+1 (555) 123-4567")` -> true; `looksLikePhone("12-34")` -> false (4 digits).
 */

/** A phone number has at least this many digits. */
export const MIN_PHONE_DIGITS = 7;
/** A phone number has at most this many digits. */
export const MAX_PHONE_DIGITS = 20;

const EMAIL = /^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/;
const PHONE = /^\+?[0-9 ().-]+$/;

/** Exactly one `@`, a non-empty local part and a dotted domain without empty labels. */
export function looksLikeEmail(value: unknown): value is string {
  return typeof value === "string" && value.length <= 320 && EMAIL.test(value);
}

/** Optional leading `+`, then digits, spaces and `-().` only, with 7 to 20 digits in all. */
export function looksLikePhone(value: unknown): value is string {
  if (typeof value !== "string" || value.length > 64 || !PHONE.test(value)) return false;
  const digits = value.replace(/\D/g, "").length;
  return digits >= MIN_PHONE_DIGITS && digits <= MAX_PHONE_DIGITS;
}

/** Absent, null, or a string of only whitespace. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}
