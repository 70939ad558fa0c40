/**
 * What each item of a delivery does to its record (issue 19, event-aware hooks): a vendor's connection test (a
 * preset's ping) does nothing on any hook; a hook with a fixed event applies it to every other item; on an
 * `auto` hook the preset's event map decides from the vendor's event name, then the rendered template's `event`
 * key, when present, overrides it. Ignored items are not rendered (a ping has nothing to map). Pure.
 */
import type { InboundHookEvent, RecordAction } from "../../db/schema/inbound-hooks";
import type { InboundHookPreset, ItemAction } from "./presets/types";
import type { Template } from "@huggingface/jinja";
import { itemsOf, valueAt } from "./mapping";
import { renderDelivery, TemplateError, type RecordFields } from "./template";

/** The template's output key that decides an `auto` hook's item. */
export const EVENT_KEY = "event";
const ITEM_ACTIONS: readonly ItemAction[] = ["create", "update", "archive", "ignore"];

/** The vendor's name of the item's event (its parts joined with "."), or null when the preset names none or none is present. */
export function vendorEventName(preset: InboundHookPreset, headers: Record<string, string>, item: unknown): string | null {
  if (!preset.events) return null;
  const parts = preset.events.from
    .map((part) => ("header" in part ? headers[part.header.toLowerCase()] : valueAt(item, part.itemPath)))
    .filter((value): value is string => typeof value === "string" && value !== "");
  return parts.length === 0 ? null : parts.join(".");
}

/** The action decided before rendering: `ignore` items are not rendered at all. */
export function presetAction(hookEvent: InboundHookEvent, preset: InboundHookPreset, headers: Record<string, string>, item: unknown): ItemAction {
  const name = vendorEventName(preset, headers, item);
  if (name !== null && preset.events?.pings?.includes(name)) return "ignore";
  if (hookEvent !== "auto") return hookEvent;
  if (!preset.events) return "create";
  return (name !== null && Object.hasOwn(preset.events.actions, name) ? preset.events.actions[name] : undefined) ?? preset.events.otherwise;
}

/** The rendered item's final action and fields: on an `auto` hook the template's `event` key, taken out of the fields, overrides. */
export function templateAction(hookEvent: InboundHookEvent, decided: RecordAction, fields: RecordFields): { action: ItemAction; fields: RecordFields } {
  if (hookEvent !== "auto" || !(EVENT_KEY in fields)) return { action: decided, fields };
  const { [EVENT_KEY]: chosen, ...rest } = fields;
  if (typeof chosen !== "string" || !ITEM_ACTIONS.includes(chosen as ItemAction)) {
    throw new TemplateError(`The template's '${EVENT_KEY}' must be one of ${ITEM_ACTIONS.join(", ")} (got ${JSON.stringify(chosen)})`);
  }
  return { action: chosen as ItemAction, fields: rest };
}

export interface PlannedItem {
  action: RecordAction;
  fields: RecordFields;
}

/** One item of a delivery as decided: an ignored item keeps its place with no fields (a dry run shows it). */
export interface DecidedItem {
  action: ItemAction;
  fields: RecordFields;
}

/** Every item of the delivery with its action, rendered under one budget; ignored items are not rendered. */
export function decideItems(
  template: Template,
  preset: InboundHookPreset,
  hookEvent: InboundHookEvent,
  input: { body: unknown; headers: Record<string, string>; now: number; batch?: boolean },
): DecidedItem[] {
  const decided = itemsOf(preset, input.body, input.batch).map((item) => ({ item, action: presetAction(hookEvent, preset, input.headers, item) }));
  const rendered = decided.filter((entry): entry is { item: unknown; action: RecordAction } => entry.action !== "ignore");
  const delivery = { body: input.body, headers: input.headers, now: new Date(input.now).toISOString() };
  const outputs = renderDelivery(template, delivery, rendered.map((entry) => entry.item)).map((fields, index) => templateAction(hookEvent, rendered[index]!.action, fields));
  let next = 0;
  return decided.map((entry) => (entry.action === "ignore" ? { action: "ignore", fields: {} } : outputs[next++]!));
}

/** The delivery's record changes: the items not ignored, each with its action. */
export function planDelivery(...args: Parameters<typeof decideItems>): PlannedItem[] {
  return decideItems(...args).filter((planned): planned is PlannedItem => planned.action !== "ignore");
}
