/**
 * Decides whether a record's field values satisfy a parsed qualification: the delivery engine's test of
 * a subscription's `condition` against an event's data. Semantics follow AR System:
 *
 * - NULL is a missing field, a null value or an empty string; `""` and `$NULL$` are both NULL literals.
 *   `= NULL` holds when the other side is NULL too, `!= NULL` when it is not; every other comparison
 *   with a NULL side (`<`, `LIKE`, ...) is false, so `'Missing' = "x"` is false and `'Missing' != "x"` true.
 * - Two numbers compare numerically. A number is a number literal, a numeric field value, or a field's
 *   string value that looks like a decimal number ("42", "-1.5"); a "string literal" always stays text.
 * - Everything else compares as text, case-sensitively, by UTF-16 code units.
 * - LIKE matches the whole left text against the right side's pattern: `%` any run, `_` one character (like.ts).
 */
import type { ComparisonOperator, Operand, Qualification } from "./ast";
import { matchesLike } from "./like";

/** An operand resolved against the record: NULL, or text that may also read as a number. */
type Value = { kind: "null" } | { kind: "value"; text: string; number: number | undefined };

const NULL: Value = { kind: "null" };
const decimalPattern = /^\s*-?\d+(?:\.\d+)?\s*$/;

function fieldValue(values: Readonly<Record<string, unknown>>, name: string): Value {
  // Own properties only: 'constructor' or 'toString' must not find Object.prototype members.
  const value = Object.hasOwn(values, name) ? values[name] : undefined;
  if (value === undefined || value === null || value === "") return NULL;
  if (typeof value === "number") return { kind: "value", text: String(value), number: value };
  if (typeof value === "string") return { kind: "value", text: value, number: decimalPattern.test(value) ? Number(value) : undefined };
  if (typeof value === "boolean" || typeof value === "bigint") return { kind: "value", text: String(value), number: undefined };
  return { kind: "value", text: JSON.stringify(value), number: undefined };
}

function resolve(operand: Operand, values: Readonly<Record<string, unknown>>): Value {
  switch (operand.kind) {
    case "field":
      return fieldValue(values, operand.name);
    case "string":
      return operand.value === "" ? NULL : { kind: "value", text: operand.value, number: undefined };
    case "number":
      return { kind: "value", text: String(operand.value), number: operand.value };
    case "null":
      return NULL;
  }
}

function order(left: number | string, right: number | string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function compare(operator: ComparisonOperator, left: Value, right: Value): boolean {
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

/** True when `values` (a record's fields by name) satisfy the qualification. */
export function evaluate(qualification: Qualification, values: Readonly<Record<string, unknown>>): boolean {
  switch (qualification.kind) {
    case "always":
      return true;
    case "comparison":
      return compare(qualification.operator, resolve(qualification.left, values), resolve(qualification.right, values));
    case "and":
      return qualification.operands.every((operand) => evaluate(operand, values));
    case "or":
      return qualification.operands.some((operand) => evaluate(operand, values));
    case "not":
      return !evaluate(qualification.operand, values);
  }
}
