/**
 * Jinja mapping templates for configurable inbound hooks, run by the limited interpreter of
 * runtime/template/jinja-template.ts. A template renders each item of a delivery over `{ body, item, headers, now }`
 * to a JSON object of record fields. Limits: a size limit at save time, and while rendering one RenderBudget for
 * the whole delivery (steps and output), a cap on `range` and on every string the template builds. Pure: no bindings.
 */
import type { Template } from "@huggingface/jinja";
import { compileTemplate as compileLimited, renderJsonObjects, TemplateError } from "../../runtime/template/jinja-template";

export { TemplateError };

export const MAX_TEMPLATE_CHARS = 16 * 1024;

export type RecordFields = Record<string, unknown>;

/** What every item of one delivery renders over, besides the item itself. */
export interface DeliveryContext {
  /** The parsed JSON body of the vendor's request. */
  body: unknown;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** ISO 8601 time of receipt. */
  now: string;
}

/** Parses a hook template; a syntax error or an oversized template is a TemplateError naming the cause. */
export const compileTemplate = (source: string): Template => compileLimited(source, MAX_TEMPLATE_CHARS);

/**
 * Renders the template once per item, `item` bound to each in turn, all under one RenderBudget; body and headers
 * are converted for the interpreter once. Each output must be one JSON object. Any failure is a TemplateError.
 */
export function renderDelivery(template: Template, delivery: DeliveryContext, items: readonly unknown[]): RecordFields[] {
  const outputs = renderJsonObjects(template, { ...delivery }, items.map((item) => ({ item })), "record fields");
  // Null means "the vendor did not send it": such a field is left out, so it neither clears a value nor matches.
  return outputs.map((parsed) => Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== null)));
}
