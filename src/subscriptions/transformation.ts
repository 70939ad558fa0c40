/**
 * Outbound transformations: a subscription's Jinja template, run by the same limited interpreter and budgets as
 * inbound hook mappings (runtime/template), over `event` (what happened), `payload` (what the subscription's format
 * would send) and `subscription` (id, description). Its output, one JSON object, is the body sent instead. Parsed
 * templates are cached by their text, so fan-out parses each version once. Pure: no bindings.
 */
import type { Template } from "@huggingface/jinja";
import { compileTemplate, renderJsonObjects, TemplateError } from "../runtime/template/jinja-template";

export { TemplateError };

/** The longest transformation a subscription may carry. */
export const MAX_TRANSFORMATION_CHARS = 64 * 1024;

/** The event a transformation sees (`event` in the template). */
export interface TransformationEvent {
  /** The AR entry event: create, update, merge or delete. */
  type: string;
  seq: number;
  form: string;
  /** The record's entry id. */
  record_id: string;
  changed_fields: string[];
  /** ISO 8601 commit time. */
  time: string;
}

export interface TransformationInput {
  event: TransformationEvent;
  payload: unknown;
  subscription: { id: string; description: string | null };
}

const parsed = new Map<string, Template>();
const PARSED_KEPT = 200;

function compiled(source: string): Template {
  let template = parsed.get(source);
  if (!template) {
    template = compileTemplate(source, MAX_TRANSFORMATION_CHARS);
    if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
    parsed.set(source, template);
  }
  return template;
}

/** Why a transformation cannot be saved (it does not parse, or is too long), or null when it can. */
export function checkTransformation(source: string): string | null {
  try {
    compiled(source);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The body a transformation renders: its JSON object output, serialised. A failure is a TemplateError. */
export function renderTransformation(source: string, input: TransformationInput): string {
  const [output] = renderJsonObjects(compiled(source), { ...input }, [{}], "the callback body");
  return JSON.stringify(output);
}
