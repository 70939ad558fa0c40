/**
 * The syntax tree of an AR System qualification (a subscription's `condition`), as the parser
 * builds it and the evaluator walks it. Plain data: it can be stored, compared and printed as JSON.
 */

export const comparisonOperators = ["=", "!=", "<", "<=", ">", ">=", "LIKE"] as const;
export type ComparisonOperator = (typeof comparisonOperators)[number];

/** One side of a comparison: a field reference ('Status'), a "string", a number or $NULL$. */
export type Operand =
  | { kind: "field"; name: string }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "null" };

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
