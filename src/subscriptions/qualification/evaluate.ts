/**
 * Decides whether a change satisfies a parsed qualification: the delivery engine's test of a subscription's
 * `condition` against an event. Semantics follow AR System filters:
 *
 * - NULL is a missing field, a null value or an empty string; `""` and `$NULL$` are both NULL literals.
 *   `= NULL` holds when the other side is NULL too, `!= NULL` when it is not; every other comparison
 *   with a NULL side (`<`, `LIKE`, ...) is false, so `'Missing' = "x"` is false and `'Missing' != "x"` true.
 * - A field is named by name or by id ('7') when the form has a definition (records/form-fields.ts); 'Field' is the
 *   value after the change, 'TR.Field' the value the change set (NULL when it did not touch the field), 'DB.Field'
 *   the value before it (NULL on a create).
 * - A selection field compared with a "label" of its own compares by index: `'Status' < "Resolved"` is
 *   `'Status' < 4`. A `time` field's ISO text reads as seconds since 1970, like $TIMESTAMP$.
 * - $USER$ is who made the change; $DATE$ today (UTC) as YYYY-MM-DD; $TIME$ and $TIMESTAMP$ now in seconds since
 *   1970; $WEEKDAY$ today as 1 (Sunday) to 7 (Saturday). The clock is injected.
 * - `+ - * /` work on numbers; `+` on text joins it; anything with a NULL side is NULL; dividing by zero makes the
 *   whole condition false (AR fails the filter).
 * - Two numbers compare numerically. A number is a number literal, a numeric field value, or a field's
 *   string value that looks like a decimal number ("42", "-1.5"); a "string literal" always stays text.
 * - Everything else compares as text, case-sensitively, by UTF-16 code units.
 * - LIKE matches the whole left text against the right side's pattern: `%` any run, `_` one character (like.ts).
 */
import type { FormDefinition, FormField } from "../../records/form-fields";
import { findField, selectionIndex } from "../../records/form-fields";
import type { ArithmeticOperator, ComparisonOperator, Keyword, Operand, Qualification } from "./ast";
import { matchesLike } from "./like";

/** What a condition is evaluated against, besides the record's values after the change. */
export interface EvaluationContext {
  /** The fields the change set (for 'TR.Field'); all of `values` when left out. */
  changedFields?: readonly string[];
  /** The values the changed fields held before the change ('DB.Field'); null or left out on a create. */
  previous?: Readonly<Record<string, unknown>> | null;
  /** Who made the change ($USER$). */
  user?: string | null;
  /** The clock, in epoch milliseconds ($DATE$, $TIME$, $TIMESTAMP$, $WEEKDAY$). */
  now?: number;
  /** The form's definition: fields by id, selection labels, time fields. */
  definition?: FormDefinition | null;
}

/** An operand resolved: NULL, or text that may also read as a number; `field` when it came from a defined field. */
type Value = { kind: "null" } | { kind: "value"; text: string; number: number | undefined; field?: FormField };

const NULL: Value = { kind: "null" };
const decimalPattern = /^\s*-?\d+(?:\.\d+)?\s*$/;

class DivisionByZero extends Error {}

const numberValue = (number: number): Value => ({ kind: "value", text: String(number), number });

function fromJson(value: unknown, field: FormField | undefined): Value {
  if (value === undefined || value === null || value === "") return NULL;
  if (typeof value === "number") return { kind: "value", text: String(value), number: value, field };
  if (typeof value === "string") {
    const seconds = field?.type === "time" && !decimalPattern.test(value) ? Date.parse(value) / 1000 : Number.NaN;
    if (!Number.isNaN(seconds)) return { kind: "value", text: value, number: Math.floor(seconds), field };
    return { kind: "value", text: value, number: decimalPattern.test(value) ? Number(value) : undefined, field };
  }
  if (typeof value === "boolean" || typeof value === "bigint") return { kind: "value", text: String(value), number: undefined, field };
  return { kind: "value", text: JSON.stringify(value), number: undefined, field };
}

/** Own properties only: 'constructor' or 'toString' must not find Object.prototype members. */
const own = (values: Readonly<Record<string, unknown>>, name: string): unknown => (Object.hasOwn(values, name) ? values[name] : undefined);

function fieldValue(operand: Extract<Operand, { kind: "field" }>, values: Readonly<Record<string, unknown>>, context: EvaluationContext): Value {
  const field = context.definition ? findField(context.definition, operand.name) : undefined;
  const name = field?.name ?? operand.name;
  if (operand.source === "TR") {
    const changed = context.changedFields === undefined || context.changedFields.includes(name);
    return changed ? fromJson(own(values, name), field) : NULL;
  }
  if (operand.source === "DB") {
    const previous = context.previous;
    if (!previous) return NULL;
    const changed = context.changedFields?.includes(name) ?? false;
    return fromJson(changed ? own(previous, name) : own(values, name), field);
  }
  return fromJson(own(values, name), field);
}

const twoDigits = (value: number) => String(value).padStart(2, "0");

function keywordValue(keyword: Keyword, context: EvaluationContext): Value {
  if (keyword === "USER") return context.user ? { kind: "value", text: context.user, number: undefined } : NULL;
  const now = new Date(context.now ?? Date.now());
  switch (keyword) {
    case "DATE": {
      const text = `${now.getUTCFullYear()}-${twoDigits(now.getUTCMonth() + 1)}-${twoDigits(now.getUTCDate())}`;
      return { kind: "value", text, number: undefined };
    }
    case "TIME":
    case "TIMESTAMP":
      return numberValue(Math.floor(now.getTime() / 1000));
    case "WEEKDAY":
      return numberValue(now.getUTCDay() + 1);
  }
}

function arithmetic(operator: ArithmeticOperator, left: Value, right: Value): Value {
  if (left.kind === "null" || right.kind === "null") return NULL;
  if (left.number === undefined || right.number === undefined) {
    return operator === "+" ? { kind: "value", text: left.text + right.text, number: undefined } : NULL;
  }
  switch (operator) {
    case "+":
      return numberValue(left.number + right.number);
    case "-":
      return numberValue(left.number - right.number);
    case "*":
      return numberValue(left.number * right.number);
    case "/":
      if (right.number === 0) throw new DivisionByZero();
      return numberValue(left.number / right.number);
  }
}

function resolve(operand: Operand, values: Readonly<Record<string, unknown>>, context: EvaluationContext): Value {
  switch (operand.kind) {
    case "field":
      return fieldValue(operand, values, context);
    case "string":
      return operand.value === "" ? NULL : { kind: "value", text: operand.value, number: undefined };
    case "number":
      return numberValue(operand.value);
    case "null":
      return NULL;
    case "keyword":
      return keywordValue(operand.keyword, context);
    case "arithmetic":
      return arithmetic(operand.operator, resolve(operand.left, values, context), resolve(operand.right, values, context));
    case "negate": {
      const value = resolve(operand.operand, values, context);
      return value.kind === "value" && value.number !== undefined ? numberValue(-value.number) : NULL;
    }
  }
}

/** A selection field's label on the other side reads as its index ("Closed" → 5), as AR compares selections. */
function asSelectionIndex(value: Value, other: Value): Value {
  if (value.kind !== "value" || value.number !== undefined || other.kind !== "value" || other.field?.type !== "selection") return value;
  const index = selectionIndex(other.field, value.text);
  return index === undefined ? value : numberValue(index);
}

function order(left: number | string, right: number | string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function compare(operator: ComparisonOperator, resolvedLeft: Value, resolvedRight: Value): boolean {
  const left = operator === "LIKE" ? resolvedLeft : asSelectionIndex(resolvedLeft, resolvedRight);
  const right = operator === "LIKE" ? resolvedRight : asSelectionIndex(resolvedRight, resolvedLeft);
  if (left.kind === "null" || right.kind === "null") {
    const bothNull = left.kind === "null" && right.kind === "null";
    if (operator === "=") return bothNull;
    if (operator === "!=") return !bothNull;
    return false;
  }
  if (operator === "LIKE") return matchesLike(left.text, right.text);
  const sign =
    left.number !== undefined && right.number !== undefined ? order(left.number, right.number) : order(left.text, right.text);
  switch (operator) {
    case "=":
      return sign === 0;
    case "!=":
      return sign !== 0;
    case "<":
      return sign < 0;
    case "<=":
      return sign <= 0;
    case ">":
      return sign > 0;
    case ">=":
      return sign >= 0;
  }
}

function holds(qualification: Qualification, values: Readonly<Record<string, unknown>>, context: EvaluationContext): boolean {
  switch (qualification.kind) {
    case "always":
      return true;
    case "comparison":
      return compare(qualification.operator, resolve(qualification.left, values, context), resolve(qualification.right, values, context));
    case "and":
      return qualification.operands.every((operand) => holds(operand, values, context));
    case "or":
      return qualification.operands.some((operand) => holds(operand, values, context));
    case "not":
      return !holds(qualification.operand, values, context);
  }
}

/** True when `values` (a record's fields by name, after the change) and the change's context satisfy the qualification. */
export function evaluate(qualification: Qualification, values: Readonly<Record<string, unknown>>, context: EvaluationContext = {}): boolean {
  try {
    return holds(qualification, values, context);
  } catch (error) {
    if (error instanceof DivisionByZero) return false;
    throw error;
  }
}

/** Every field a qualification names, as written ('TR.' and 'DB.' taken off), in source order. */
export function referencedFields(qualification: Qualification): string[] {
  const names: string[] = [];
  const visitOperand = (operand: Operand): void => {
    if (operand.kind === "field") names.push(operand.name);
    else if (operand.kind === "arithmetic") {
      visitOperand(operand.left);
      visitOperand(operand.right);
    } else if (operand.kind === "negate") visitOperand(operand.operand);
  };
  const visit = (node: Qualification): void => {
    if (node.kind === "comparison") {
      visitOperand(node.left);
      visitOperand(node.right);
    } else if (node.kind === "and" || node.kind === "or") node.operands.forEach(visit);
    else if (node.kind === "not") visit(node.operand);
  };
  visit(qualification);
  return names;
}
