/**
 * Record ids: sequential per tenant and form, zero-padded to 15 characters like AR System entry ids.
 * Forms with a known prefix read as `TKT000000000042`; any other form gets 15 digits.
 */
const FORM_PREFIXES: Record<string, string> = { Ticket: "TKT", User: "USR" };
const ID_LENGTH = 15;

export function recordIdFormat(form: string): { prefix: string; digits: number } {
  const prefix = FORM_PREFIXES[form] ?? "";
  return { prefix, digits: ID_LENGTH - prefix.length };
}

/** The name of a tenant's sequence for a form's record ids. */
export const recordSequenceName = (form: string): string => `record:${form}`;

/** Form names: AR-style, letters, digits, spaces, `_`, `-`, `:`, 1–80 characters. */
export const FORM_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9 _:-]{0,79}$/;

/**
 * A form name's key: ASCII letters lower-cased, exactly as SQLite's lower() does it. Form names are unique per
 * tenant ignoring case (form-names.ts), so two names are the same form when their keys are equal.
 */
export const formNameKey = (name: string): string => name.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
