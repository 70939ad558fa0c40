/**
 * From a vendor delivery to record changes, without I/O: the preset's items list (one change per item, e.g.
 * Okta's data.events[] or a CloudEvents batch, at most MAX_DELIVERY_ITEMS), the template rendered per item under one budget for the
 * delivery, the vendor's event id, and the sync-key values of the mapped fields in the hook's order. Pure.
 */
import type { InboundHookPreset } from "./presets";
import { sha256Hex } from "../../runtime/crypto";
import { TemplateError, type RecordFields } from "./template";

/** Items one delivery may carry: a 1 MiB body could otherwise carry hundreds of thousands. */
export const MAX_DELIVERY_ITEMS = 1_000;

/** The value at a dot path (`data.events`), or undefined. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * The elements the delivery carries: the array at the preset's itemsPath, each event of a CloudEvents batch
 * (`batch`, an `application/cloudevents-batch+json` body), or the body as the only item.
 */
export function itemsOf(preset: InboundHookPreset, body: unknown, batch = false): unknown[] {
  const where = preset.itemsPath ?? (batch ? "" : null);
  if (where === null) return [body];
  const items = where === "" ? body : valueAt(body, where);
  const at = where === "" ? "the top level (a CloudEvents batch)" : `'${where}'`;
  if (!Array.isArray(items)) throw new TemplateError(`The ${preset.name} body must have an array at ${at}`);
  if (items.length > MAX_DELIVERY_ITEMS) {
    throw new TemplateError(`The body carries ${items.length} items at ${at}; a delivery may carry at most ${MAX_DELIVERY_ITEMS}`);
  }
  return items;
}

export function headerRecord(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name.toLowerCase()] = value;
  });
  return result;
}

/** The vendor's id for this delivery, where the preset says it is; null when the preset has none or it is absent. */
export function vendorEventId(preset: InboundHookPreset, headers: Headers, body: unknown): string | null {
  if (!preset.eventId) return null;
  const value = "header" in preset.eventId ? headers.get(preset.eventId.header) : valueAt(body, preset.eventId.bodyPath);
  if ((typeof value === "string" && value.trim() !== "") || (typeof value === "number" && Number.isFinite(value))) return String(value).slice(0, 200);
  return null;
}

/**
 * A CloudEvents batch's id: the events' own ids (each at the preset's eventId body path) hashed together, so an
 * exact resend of the batch is caught as a replay. Null when the preset names no body id or any event lacks one.
 */
export async function batchEventId(preset: InboundHookPreset, events: readonly unknown[]): Promise<string | null> {
  if (!preset.eventId || !("bodyPath" in preset.eventId)) return null;
  const ids: string[] = [];
  for (const event of events) {
    const id = valueAt(event, preset.eventId.bodyPath);
    if (typeof id !== "string" || id.trim() === "") return null;
    ids.push(id);
  }
  return `batch:${await sha256Hex(JSON.stringify(ids))}`;
}

export interface SyncKeyValue {
  name: string;
  value: string;
}

/** The sync keys that have a value in the mapped fields, in the hook's order (an empty key falls through to the next). */
export function syncKeyValues(syncKeys: readonly string[], fields: RecordFields): SyncKeyValue[] {
  const present: SyncKeyValue[] = [];
  for (const name of syncKeys) {
    const value = fields[name];
    if (typeof value === "string" && value.trim() !== "") present.push({ name, value: value.trim() });
    else if ((typeof value === "number" && Number.isFinite(value)) || typeof value === "boolean") present.push({ name, value: String(value) });
  }
  return present;
}
