/**
 * Jinja mapping templates for configurable inbound hooks, interpreted by @huggingface/jinja (Workers have no
 * eval). A template renders over `{ body, item, headers, now }` to a JSON object of record fields. Limits keep a
 * tenant's template from hogging the isolate: a size limit at save time, and while rendering a step budget
 * (the Workers clock does not advance during synchronous work, so steps stand in for time), a cap on `range`
 * and a cap on every string the template builds. Pure: no bindings.
 */
import { Environment, Interpreter, Template } from "@huggingface/jinja";

export const MAX_TEMPLATE_CHARS = 16 * 1024;
/** Interpreter steps (expression and statement evaluations) one render may take. */
export const MAX_RENDER_STEPS = 20_000;
/** Longest string a template may build, its output included. */
export const MAX_RENDER_CHARS = 256 * 1024;
const MAX_RANGE = 1_000;

export class TemplateError extends Error {
  override name = "TemplateError";
}

export type RecordFields = Record<string, unknown>;

export interface TemplateContext {
  /** The parsed JSON body of the vendor's request. */
  body: unknown;
  /** The element of the preset's items list being mapped, or the body itself. */
  item: unknown;
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

class LimitedInterpreter extends Interpreter {
  private steps = 0;

  constructor(environment: Environment) {
    super(environment);
    // A loop body runs through evaluateBlock even when it is empty, so each iteration is counted there too.
    const self = this as unknown as { evaluateBlock?: (...args: unknown[]) => unknown };
    const evaluateBlock = self.evaluateBlock;
    if (typeof evaluateBlock !== "function") throw new Error("This @huggingface/jinja version cannot be step-limited");
    self.evaluateBlock = (...args: unknown[]) => {
      this.step();
      return evaluateBlock.apply(this, args);
    };
  }

  private step() {
    if (++this.steps > MAX_RENDER_STEPS) throw new TemplateError(`Template exceeded the render budget of ${MAX_RENDER_STEPS} steps`);
  }

  override evaluate(...args: Parameters<Interpreter["evaluate"]>): ReturnType<Interpreter["evaluate"]> {
    this.step();
    const result = super.evaluate(...args);
    if (typeof result.value === "string" && result.value.length > MAX_RENDER_CHARS) {
      throw new TemplateError(`Template built a string longer than ${MAX_RENDER_CHARS} characters`);
    }
    return result;
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

/** Renders the template and parses its output: it must be one JSON object. Any failure is a TemplateError. */
export function renderFields(template: Template, context: TemplateContext): RecordFields {
  const environment = new Environment();
  for (const [name, value] of Object.entries({ ...globals(), ...context })) environment.set(name, value);
  let output: string;
  try {
    const result = new LimitedInterpreter(environment).run(template.parsed);
    output = String(result.value);
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(`Template failed: ${messageOf(error)}`);
  }
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
