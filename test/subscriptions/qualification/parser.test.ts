import { describe, expect, it } from "vitest";
import {
  MAX_NESTING,
  QualificationError,
  parse,
  parseQualification,
  type Operand,
  type Qualification,
} from "../../../src/subscriptions/qualification";

const field = (name: string): Operand => ({ kind: "field", name });
const text = (value: string): Operand => ({ kind: "string", value });
const num = (value: number): Operand => ({ kind: "number", value });
const NULL: Operand = { kind: "null" };
const cmp = (left: Operand, operator: Extract<Qualification, { kind: "comparison" }>["operator"], right: Operand): Qualification => ({
  kind: "comparison",
  operator,
  left,
  right,
});
const and = (...operands: Qualification[]): Qualification => ({ kind: "and", operands });
const or = (...operands: Qualification[]): Qualification => ({ kind: "or", operands });
const not = (operand: Qualification): Qualification => ({ kind: "not", operand });
const A1 = cmp(field("A"), "=", num(1));
const B2 = cmp(field("B"), "=", num(2));
const C3 = cmp(field("C"), "=", num(3));

describe("qualification parser", () => {
  it.each<[string, Qualification]>([
    ["", { kind: "always" }],
    [" \t\n  ", { kind: "always" }],
    [`'Status' !="Closed"`, cmp(field("Status"), "!=", text("Closed"))],
    [`'Short Description' LIKE "%printer%"`, cmp(field("Short Description"), "LIKE", text("%printer%"))],
    [`'It''s' = "a ""quoted"" word"`, cmp(field("It's"), "=", text(`a "quoted" word`))],
    ["'Impact' <= 2", cmp(field("Impact"), "<=", num(2))],
    ["'Amount' > -1.5", cmp(field("Amount"), ">", num(-1.5))],
    ["'Amount' >= 0", cmp(field("Amount"), ">=", num(0))],
    ["'Amount' < 10", cmp(field("Amount"), "<", num(10))],
    ["'Assignee' = $NULL$", cmp(field("Assignee"), "=", NULL)],
    ["'Assignee' != $null$", cmp(field("Assignee"), "!=", NULL)],
    [`"Closed" = 'Status'`, cmp(text("Closed"), "=", field("Status"))],
    ["'Actual' > 'Target'", cmp(field("Actual"), ">", field("Target"))],
    ["'A' = 1 AND 'B' = 2 AND 'C' = 3", and(A1, B2, C3)],
    ["'A' = 1 OR 'B' = 2 OR 'C' = 3", or(A1, B2, C3)],
    ["'A' = 1 OR 'B' = 2 AND 'C' = 3", or(A1, and(B2, C3))],
    ["'A' = 1 AND 'B' = 2 OR 'C' = 3", or(and(A1, B2), C3)],
    ["NOT 'A' = 1 AND 'B' = 2", and(not(A1), B2)],
    ["NOT 'A' = 1 OR 'B' = 2", or(not(A1), B2)],
    ["NOT ('A' = 1 AND 'B' = 2)", not(and(A1, B2))],
    ["('A' = 1 OR 'B' = 2) AND 'C' = 3", and(or(A1, B2), C3)],
    ["(('A' = 1))", A1],
    ["NOT NOT 'A' = 1", not(not(A1))],
    ["!!'A' = 1", not(not(A1))],
    ["!('A' = 1) && 'B' = 2 || 'C' = 3", or(and(not(A1), B2), C3)],
    ["'A' = 1 and not 'B' = 2 Or 'C' = 3", or(and(A1, not(B2)), C3)],
    ["'A'=1AND'B'=2", and(A1, B2)],
  ])("%j", (condition, expected) => {
    expect(parse(condition)).toEqual(expected);
  });

  it("parses the seed's registration condition as it arrives in JSON", () => {
    const registration = JSON.parse(String.raw`{"condition": "'Status' !=\"Closed\""}`) as { condition: string };
    expect(registration.condition).toBe(`'Status' !="Closed"`);
    expect(parse(registration.condition)).toEqual(cmp(field("Status"), "!=", text("Closed")));
  });

  it("builds plain data that survives a JSON round trip (it can be stored with the subscription)", () => {
    const ast = parse(`('Priority' = "Critical" OR 'Impact' <= 2) AND NOT 'Assignee' = $NULL$`);
    expect(JSON.parse(JSON.stringify(ast))).toEqual(ast);
  });

  it("keeps long AND/OR chains flat, so thousands of terms do not nest", () => {
    const ast = parse(Array.from({ length: 2000 }, (_, index) => `'F${index}' = ${index}`).join(" OR "));
    expect(ast.kind === "or" && ast.operands.length).toBe(2000);
  });

  const expectedOperand = "a field, a string, a number or a keyword such as $NULL$";
  const expectedOperator = "a comparison operator (=, !=, <, <=, >, >=, LIKE)";
  const expectedContinuation = "AND, OR or the end of the condition";

  it.each<[string, string, number]>([
    ["('Impact' = )", `Unexpected token ')' at position 12: expected ${expectedOperand}`, 12],
    [`'Status' = "Closed")`, `Unexpected token ')' at position 19: expected ${expectedContinuation}`, 19],
    ["'Status' = ", `Unexpected end of condition at position 11: expected ${expectedOperand}`, 11],
    [`'Status' "Closed"`, `Unexpected token "Closed" at position 9: expected ${expectedOperator}`, 9],
    ["'Status'", `Unexpected end of condition at position 8: expected ${expectedOperator}`, 8],
    ["'A' = 1 AND", `Unexpected end of condition at position 11: expected ${expectedOperand}`, 11],
    ["'A' = 1 AND OR 'B' = 2", `Unexpected token 'OR' at position 12: expected ${expectedOperand}`, 12],
    ["('A' = 1", "Unexpected end of condition at position 8: expected ')'", 8],
    ["('A' = 1 'B' = 2)", "Unexpected token 'B' at position 9: expected ')'", 9],
    ["'A' = 1 'B' = 2", `Unexpected token 'B' at position 8: expected ${expectedContinuation}`, 8],
    ["'A' == 1", `Unexpected token '=' at position 5: expected ${expectedOperand}`, 5],
    ["'A' = 1 = 2", `Unexpected token '=' at position 8: expected ${expectedContinuation}`, 8],
    ["()", `Unexpected token ')' at position 1: expected ${expectedOperand}`, 1],
    ["NOT", `Unexpected end of condition at position 3: expected ${expectedOperand}`, 3],
    ["'A' LIKE", `Unexpected end of condition at position 8: expected ${expectedOperand}`, 8],
    ["AND 'A' = 1", `Unexpected token 'AND' at position 0: expected ${expectedOperand}`, 0],
    ["'A' = NOT 1", `Unexpected token 'NOT' at position 6: expected ${expectedOperand}`, 6],
    ["'A' = (1)", `Unexpected token '(' at position 6: expected ${expectedOperand}`, 6],
    ["1", `Unexpected end of condition at position 1: expected ${expectedOperator}`, 1],
    ["Status != \"Closed\"", "Unexpected word 'Status' at position 0: expected a keyword, or a field name in single quotes such as 'Status'", 0],
  ])("rejects %j", (condition, message, position) => {
    expect(() => parse(condition)).toThrow(QualificationError);
    expect(parseQualification(condition)).toEqual({ ok: false, error: { message, position } });
  });

  it(`allows ${MAX_NESTING} levels of parentheses and NOT, and rejects one more at the opener that exceeds it`, () => {
    const nested = (levels: number) => "(".repeat(levels) + "'A' = 1" + ")".repeat(levels);
    expect(parse(nested(MAX_NESTING))).toEqual(A1);
    expect(parseQualification(nested(MAX_NESTING + 1))).toEqual({
      ok: false,
      error: { message: `Condition nested deeper than ${MAX_NESTING} levels at position ${MAX_NESTING}`, position: MAX_NESTING },
    });
    expect(parseQualification("NOT ".repeat(MAX_NESTING + 1) + "'A' = 1")).toMatchObject({ ok: false, error: { position: MAX_NESTING * 4 } });
    expect(parseQualification(`${nested(MAX_NESTING)} AND ${nested(MAX_NESTING)}`).ok).toBe(true);
  });

  it("parseQualification returns the tree on success and never throws for bad input", () => {
    expect(parseQualification("'A' = 1")).toEqual({ ok: true, ast: A1 });
    expect(parseQualification("")).toEqual({ ok: true, ast: { kind: "always" } });
    expect(parseQualification("'unterminated").ok).toBe(false);
  });

  it("throws a QualificationError carrying the position", () => {
    try {
      parse("'A' = 1 )");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(QualificationError);
      expect((error as QualificationError).position).toBe(8);
      expect((error as QualificationError).message).toBe(`Unexpected token ')' at position 8: expected ${expectedContinuation}`);
    }
  });
});
