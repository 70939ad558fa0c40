/**
 * The limited Jinja templates Hookgate runs for tenants (inbound hook mappings, outbound transformations),
 * interpreted by @huggingface/jinja (Workers have no eval): parsing with a size limit, the globals every template
 * sees, and one rendering context under one RenderBudget whose outputs must each be one JSON object. Limits keep a
 * tenant's template from hogging the isolate (see render-budget.ts and limited-interpreter.ts). Pure: no bindings.
 */
import { Environment, Template } from "@huggingface/jinja";
import { LimitedInterpreter } from "./limited-interpreter";
import { RenderBudget } from "./render-budget";
import { TemplateError } from "./template-error";

export { TemplateError };

const MAX_RANGE = 1_000;

/** Parses a template; a syntax error or a template over `maxChars` is a TemplateError naming the cause. */
export function compileTemplate(source: string, maxChars: number): Template {
  if (source.length > maxChars) {
    throw new TemplateError(`Template is ${source.length} characters; the limit is ${maxChars}`);
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
 * Renders `template` once per entry of `scopes` (variables bound for that render only) over the shared `context`,
 * all under one RenderBudget; the context is converted for the interpreter once. Each output must be one JSON
 * object, described by `objectOf` in errors. Any failure is a TemplateError.
 */
export function renderJsonObjects(
  template: Template,
  context: Record<string, unknown>,
  scopes: readonly Record<string, unknown>[],
  objectOf: string,
): Record<string, unknown>[] {
  try {
    const shared = new Environment();
    for (const [name, value] of Object.entries({ ...globals(), ...context })) shared.set(name, value);
    const interpreter = new LimitedInterpreter(shared, new RenderBudget());
    return scopes.map((variables) => {
      const scope = new Environment(shared);
      for (const [name, value] of Object.entries(variables)) scope.set(name, value);
      return jsonObject(interpreter.render(template, scope), objectOf);
    });
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(`Template failed: ${messageOf(error)}`);
  }
}

/** A rendered output as a JSON object: anything else is a TemplateError. */
function jsonObject(output: string, objectOf: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch (error) {
    throw new TemplateError(`Template output is not JSON (${messageOf(error)}); use the tojson filter for values`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new TemplateError(`Template output must be a JSON object of ${objectOf}, not ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
