/**
 * Jinja mapping templates for configurable inbound hooks, interpreted by @huggingface/jinja (Workers have no
 * eval). A template renders each item of a delivery over `{ body, item, headers, now }` to a JSON object of record
 * fields. Limits keep a tenant's template from hogging the isolate: a size limit at save time, and while rendering
 * one RenderBudget for the whole delivery (steps, and an output budget checked before size-growing operations
 * build anything; see limited-interpreter.ts), a cap on `range` and on every string the template builds. Pure: no
 * bindings.
 */
import { Environment, Template } from "@huggingface/jinja";
import { LimitedInterpreter } from "./limited-interpreter";
import { RenderBudget } from "./render-budget";
import { TemplateError } from "./template-error";

export { TemplateError };

export const MAX_TEMPLATE_CHARS = 16 * 1024;
const MAX_RANGE = 1_000;

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

/** Parses a template; a syntax error or an oversized template is a TemplateError naming the cause. */
export function compileTemplate(source: string): Template {
  if (source.length > MAX_TEMPLATE_CHARS) {
    throw new TemplateError(`Template is ${source.length} characters; the limit is ${MAX_TEMPLATE_CHARS}`);
  }
  try {
    return new Template(source);
  } catch (error) {
    throw new TemplateError(`Template does not parse: ${messageOf(error)}`);
  }
}

function range(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (![from, to, step].every(Number.isInteger) || step === 0) throw new TemplateError("range() takes integers and a non-zero step");
  const values: number[] = [];
  for (let value = from; step > 0 ? value < to : value > to; value += step) {
    if (values.length >= MAX_RANGE) throw new TemplateError(`range() is limited to ${MAX_RANGE} values`);
    values.push(value);
  }
  return values;
}

function globals(): Record<string, unknown> {
  return {
    true: true, false: false, none: null, True: true, False: false, None: null, range,
    raise_exception: (message: unknown) => {
      throw new TemplateError(`Template raised: ${String(message)}`);
    },
  };
}

/**
 * Renders the template once per item, `item` bound to each in turn, all under one RenderBudget; body and headers
 * are converted for the interpreter once. Each output must be one JSON object. Any failure is a TemplateError.
 */
export function renderDelivery(template: Template, delivery: DeliveryContext, items: readonly unknown[]): RecordFields[] {
  try {
    const shared = new Environment();
    for (const [name, value] of Object.entries({ ...globals(), ...delivery })) shared.set(name, value);
    const interpreter = new LimitedInterpreter(shared, new RenderBudget());
    return items.map((item) => {
      const scope = new Environment(shared);
      scope.set("item", item);
      return recordFields(interpreter.render(template, scope));
    });
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(`Template failed: ${messageOf(error)}`);
  }
}

/** A rendered output as record fields: it must be one JSON object. */
function recordFields(output: string): RecordFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch (error) {
    throw new TemplateError(`Template output is not JSON (${messageOf(error)}); use the tojson filter for values`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new TemplateError(`Template output must be a JSON object of record fields, not ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : typeof parsed}`);
  }
  // Null means "the vendor did not send it": such a field is left out, so it neither clears a value nor matches.
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== null));
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
