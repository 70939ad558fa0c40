/**
 * An entry's values checked against its form's definition, as AR does on create, set and merge: a field may be
 * named by its id ("7") or its name, and is stored under its name; a selection takes its index (a number or a
 * numeric string) or its label and is stored as its index; every other type must hold a value of its kind. `null`
 * clears a field, whatever its type. Pure: the definition is passed in.
 */
import type { ErrorDetail } from "../runtime/errors";
import type { RecordData } from "../db/schema";
import { findField, selectionIndex, type FormDefinition, type FormField } from "./form-fields";

export type NormalizedValues = { ok: true; values: RecordData } | { ok: false; details: ErrorDetail[] };

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const decimalText = /^\s*-?\d+(\.\d+)?\s*$/;

const validDate = (text: string): boolean => isoDate.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

/** The value as stored for `field`, or a message saying why it does not fit. */
function fieldValue(field: FormField, value: unknown): { value: unknown } | { problem: string } {
  if (value === null) return { value: null };
  switch (field.type) {
    case "character":
      return typeof value === "string" ? { value } : { problem: "must be text" };
    case "integer": {
      const number = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      return typeof number === "number" && Number.isSafeInteger(number) ? { value: number } : { problem: "must be an integer" };
    }
    case "decimal": {
      const number = typeof value === "string" && decimalText.test(value) ? Number(value) : value;
      return typeof number === "number" && Number.isFinite(number) ? { value: number } : { problem: "must be a decimal number" };
    }
    case "date":
      return typeof value === "string" && validDate(value) ? { value } : { problem: "must be a date (YYYY-MM-DD)" };
    case "time":
      if (typeof value === "number" && Number.isSafeInteger(value)) return { value };
      return typeof value === "string" && isoDateTime.test(value) && !Number.isNaN(Date.parse(value))
        ? { value }
        : { problem: "must be a date and time (ISO 8601) or seconds since 1970" };
    case "selection": {
      const index = selectionIndex(field, value);
      if (index !== undefined) return { value: index };
      const labels = Object.entries(field.options ?? {}).map(([key, label]) => `${key} (${label})`);
      return { problem: `must be one of ${labels.join(", ")}` };
    }
    case "attachment":
      return typeof value === "string" || (typeof value === "object" && !Array.isArray(value)) ? { value } : { problem: "must be an attachment" };
  }
}

/** `values` keyed by field name with each value in its stored form, or one detail per field that does not fit. */
export function normalizeEntryValues(definition: FormDefinition, values: Readonly<RecordData>): NormalizedValues {
  const normalized: RecordData = {};
  const givenAs = new Map<string, string>();
  const details: ErrorDetail[] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = `values.${key}`;
    const field = findField(definition, key);
    if (!field) {
      details.push({ path, message: "is not a field of the form" });
      continue;
    }
    const earlier = givenAs.get(field.name);
    if (earlier !== undefined) {
      details.push({ path, message: `names the same field as '${earlier}' (${field.id}, ${field.name})` });
      continue;
    }
    givenAs.set(field.name, key);
    const result = fieldValue(field, value);
    if ("problem" in result) details.push({ path, message: `${result.problem} (field ${field.id}, ${field.name}, ${field.type})` });
    else normalized[field.name] = result.value;
  }
  return details.length > 0 ? { ok: false, details } : { ok: true, values: normalized };
}

export type NormalizedUploadFields = { ok: true; fields: string[] } | { ok: false; details: ErrorDetail[] };

/**
 * The fields the files of a multipart entry (`attach-{field}` parts) go to, named as the definition names them:
 * a part may name its field by id or by name (any case), and the field must be an attachment field.
 */
export function normalizeUploadFields(definition: FormDefinition, fields: readonly string[]): NormalizedUploadFields {
  const details: ErrorDetail[] = [];
  const names = fields.map((key) => {
    const path = `attach-${key}`;
    const field = findField(definition, key);
    if (!field) details.push({ path, message: "is not a field of the form" });
    else if (field.type !== "attachment") details.push({ path, message: `is not an attachment field (field ${field.id}, ${field.name}, ${field.type})` });
    return field?.name ?? key;
  });
  names.forEach((name, index) => {
    if (names.indexOf(name) !== index) details.push({ path: `attach-${fields[index]}`, message: `names the same field as 'attach-${fields[names.indexOf(name)]}'` });
  });
  return details.length > 0 ? { ok: false, details } : { ok: true, fields: names };
}
