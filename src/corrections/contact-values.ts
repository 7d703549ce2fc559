/**
 * Recognizers for contact values, used by the field-swap rule.
 *
 * `looksLikeEmail("ann@example.com")` -> true; `looksLikeEmail("+15551234567@sms.example.com")` -> true;
 * `looksLikePhone("+1 (555) 123-4567")` -> true; `looksLikePhone("030/1234567")` -> true;
 * `looksLikePhone("tel:+15551234567")` -> true; `looksLikePhone("+1 555 123 4567 ext. 12")` -> true;
 * `looksLikePhone("12-34")` -> false (4 digits).
 */

/** A phone number has at least this many digits. */
export const MIN_PHONE_DIGITS = 7;
/** A phone number has at most this many digits. */
export const MAX_PHONE_DIGITS = 20;

const EMAIL = /^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$/;
/**
 * An optional `tel:`, an optional `+`, then digits and separators: any Unicode space (OCR and
 * copy-paste bring no-break and thin spaces), `()./` and any hyphen or dash (U+2010-2015,
 * U+2212); then an optional extension (`ext`, `ext.`, `x` or `#` and 1-6 digits).
 */
const PHONE = /^(?:tel:)?(\+?[0-9\p{Zs}()./\u2010-\u2015\u2212-]+?)(?:\p{Zs}*(?:ext\.?|x|#)\p{Zs}*[0-9]{1,6})?$/iu;

/** Exactly one `@`, a non-empty local part and a dotted domain without empty labels. */
export function looksLikeEmail(value: unknown): value is string {
  return typeof value === "string" && value.length <= 320 && EMAIL.test(value);
}

/** A number as `PHONE` above, with 7 to 20 digits before any extension. */
export function looksLikePhone(value: unknown): value is string {
  if (typeof value !== "string" || value.length > 64) return false;
  const m = PHONE.exec(value);
  if (m === null) return false;
  const digits = m[1].replace(/\D/g, "").length;
  return digits >= MIN_PHONE_DIGITS && digits <= MAX_PHONE_DIGITS;
}

/** Absent, null, or a string of only whitespace. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}
