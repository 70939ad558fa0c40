/**
 * The syntax tree of an AR System qualification (a subscription's `condition`), as the parser
 * builds it and the evaluator walks it. Plain data: it can be stored, compared and printed as JSON.
 */

export const comparisonOperators = ["=", "!=", "<", "<=", ">", ">=", "LIKE"] as const;
export type ComparisonOperator = (typeof comparisonOperators)[number];

export const arithmeticOperators = ["+", "-", "*", "/"] as const;
export type ArithmeticOperator = (typeof arithmeticOperators)[number];

/** AR keywords other than $NULL$: who made the change, and the clock. */
export const keywords = ["USER", "DATE", "TIME", "TIMESTAMP", "WEEKDAY"] as const;
export type Keyword = (typeof keywords)[number];

/**
 * One side of a comparison: a field reference ('Status', '7', 'TR.Status', 'DB.Status'), a "string", a number,
 * $NULL$, another keyword ($USER$, $DATE$, ...), or arithmetic over them. `source` is set only on 'TR.' (the value
 * the change sets) and 'DB.' (the value before it) references; a plain reference reads the value after the change.
 */
export type Operand =
  | { kind: "field"; name: string; source?: "TR" | "DB" }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "null" }
  | { kind: "keyword"; keyword: Keyword }
  | { kind: "arithmetic"; operator: ArithmeticOperator; left: Operand; right: Operand }
  | { kind: "negate"; operand: Operand };

/**
 * A whole qualification. `always` is the empty condition. `and` / `or` hold two or more operands in
 * source order (a flat list rather than nested pairs, so long chains never make the tree deep).
 */
export type Qualification =
  | { kind: "always" }
  | { kind: "comparison"; operator: ComparisonOperator; left: Operand; right: Operand }
  | { kind: "and"; operands: Qualification[] }
  | { kind: "or"; operands: Qualification[] }
  | { kind: "not"; operand: Qualification };
