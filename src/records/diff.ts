/** Pure diffing of record field values: which fields an update really changes. */
import type { RecordData } from "../db/schema";

/** Structural equality for JSON values (key order of objects does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => key in right && jsonEqual(left[key], right[key]));
}

/** Names of the fields whose value differs between two versions (added, changed or removed), sorted. */
export function changedFields(before: RecordData, after: RecordData): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => !jsonEqual(before[name], after[name])).sort();
}

/** Applies a patch: a field set to null is removed, every other field is replaced. */
export function applyPatch(before: RecordData, patch: RecordData): RecordData {
  const after: RecordData = { ...before };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete after[name];
    else after[name] = value;
  }
  return after;
}

/** The values `changed` fields held before a change (a field that did not exist is left out): an event's `previous`. */
export function previousValues(before: RecordData, changed: readonly string[]): RecordData {
  return Object.fromEntries(changed.filter((name) => Object.hasOwn(before, name)).map((name) => [name, before[name]]));
}
