/**
 * Field swap: in each configured contact object (default `data.contact`), when `phone` holds an
 * email and `email` holds a phone number, the two are swapped back; when `phone` holds an email
 * and `email` is blank (absent, null or whitespace), the email moves over and `phone` takes the
 * blank value (null when `email` was absent). Flag `field_swap`, action `none`, detail
 * `{ object, moved }` (no values: they are PII). An email that looks phone-like
 * (`+15551234567@sms.example.com`) is an email and is never touched.
 *
 * `{ phone: "ann@example.com", email: "+1 555 123 4567" }` -> `{ phone: "+1 555 123 4567", email: "ann@example.com" }`.
 */
import type { CorrectionConfig } from "./config";
import { alreadyCorrected, correctionId, RULES, unchanged, type Correction, type CorrectionEvent, type RuleResult } from "./correction";
import { isBlank, looksLikeEmail, looksLikePhone } from "./contact-values";
import { getPath, isRecord, ownGet, setPath } from "./paths";
import { ruleFinding } from "./rule-finding";

/** Swaps one contact object at `objectPath` if needed; `state` carries earlier objects' results. */
function swapOne(event: CorrectionEvent, state: RuleResult, objectPath: string): RuleResult {
  const phoneField = `${objectPath}.phone`;
  const emailField = `${objectPath}.email`;
  if (alreadyCorrected(event, RULES.field_swap, phoneField) || alreadyCorrected(event, RULES.field_swap, emailField)) return state;
  const contact = getPath(state.data, objectPath);
  if (!isRecord(contact)) return state;
  const phone = ownGet(contact, "phone");
  const email = ownGet(contact, "email");
  if (!looksLikeEmail(phone)) return state;
  const swap = looksLikePhone(email);
  if (!swap && !isBlank(email)) return state;
  const newPhone = email === undefined ? null : email;
  const withPhone = setPath(state.data, phoneField, newPhone);
  const data = withPhone === null ? null : setPath(withPhone, emailField, phone);
  if (data === null) return state;
  const flag = ruleFinding(event, "field_swap", "none", RULES.field_swap, objectPath, {
    object: objectPath,
    moved: swap ? "swapped" : "email_moved",
  });
  const entry = (field: string, before: unknown, after: unknown): Correction => ({
    correction_id: correctionId(event.event_id, RULES.field_swap, field),
    field,
    before: before === undefined ? null : before,
    after,
    rule: RULES.field_swap,
    flag_id: flag.flag_id,
  });
  return {
    data,
    corrections: [...state.corrections, entry(phoneField, phone, newPhone), entry(emailField, email, phone)],
    findings: [...state.findings, flag],
  };
}

/** Applies the swap check to every configured contact object (see module doc). Never mutates the event. */
/**
 * Whether the swap rule could act: some swap object's `phone` holds an `@` (an email always
 * does). False means `fixFieldSwap` changes nothing. Cheap: the prefilters call it per event.
 */
export function phoneMayHoldEmail(data: Record<string, unknown>, config: CorrectionConfig): boolean {
  for (const objectPath of config.swap_objects) {
    const contact = getPath(data, objectPath);
    const phone = isRecord(contact) ? ownGet(contact, "phone") : undefined;
    if (typeof phone === "string" && phone.includes("@")) return true;
  }
  return false;
}

export function fixFieldSwap(event: CorrectionEvent, config: CorrectionConfig): RuleResult {
  return config.swap_objects.reduce((state, objectPath) => swapOne(event, state, objectPath), unchanged(event));
}
