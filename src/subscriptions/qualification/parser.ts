/**
 * Parses an AR System qualification (a subscription's `condition`, e.g. `'Status' != "Closed" AND 'Impact' <= 2`)
 * into a Qualification tree. Recursive descent over the tokenizer's output; precedence NOT > AND > OR,
 * parentheses group. An empty or blank condition is `always`.
 *
 *   qualification := or-expr end | (nothing)
 *   or-expr       := and-expr ( (OR | ||) and-expr )*
 *   and-expr      := not-expr ( (AND | &&) not-expr )*
 *   not-expr      := (NOT | !) not-expr | "(" or-expr ")" | comparison
 *   comparison    := operand ( = | != | < | <= | > | >= | LIKE ) operand
 *   operand       := 'Field Name' | "string" | number | $NULL$
 */
import type { Operand, Qualification } from "./ast";
import { QualificationError } from "./qualification-error";
import { tokenize, type Token } from "./tokenizer";

/** How deep parentheses and NOTs may nest: far beyond real conditions, well inside the Worker's stack. */
export const MAX_NESTING = 64;

const expectedOperand = "a field, a string, a number or $NULL$";
const expectedOperator = "a comparison operator (=, !=, <, <=, >, >=, LIKE)";

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parseAll(): Qualification {
    if (this.peek().kind === "end") return { kind: "always" };
    const qualification = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== "end") throw unexpected(rest, "AND, OR or the end of the condition");
    return qualification;
  }

  private peek(): Token {
    // The token list always ends with `end` and parsing never reads past it.
    return this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.index += 1;
    return token;
  }

  private parseOr(): Qualification {
    return this.parseJoined("or", () => this.parseAnd());
  }

  private parseAnd(): Qualification {
    return this.parseJoined("and", () => this.parseNot());
  }

  /** `operand (kind operand)*`: a lone operand stands for itself, several are joined under `kind`. */
  private parseJoined(kind: "or" | "and", parseOperand: () => Qualification): Qualification {
    const operands = [parseOperand()];
    while (this.peek().kind === kind) {
      this.next();
      operands.push(parseOperand());
    }
    return operands.length === 1 ? operands[0]! : { kind, operands };
  }

  private parseNot(): Qualification {
    const token = this.peek();
    if (token.kind === "not") {
      this.next();
      return { kind: "not", operand: this.nested(token, () => this.parseNot()) };
    }
    if (token.kind === "(") {
      this.next();
      const inner = this.nested(token, () => this.parseOr());
      const close = this.next();
      if (close.kind !== ")") throw unexpected(close, "')'");
      return inner;
    }
    return this.parseComparison();
  }

  private parseComparison(): Qualification {
    const left = this.parseOperand();
    const operator = this.next();
    if (operator.kind !== "comparison") throw unexpected(operator, expectedOperator);
    const right = this.parseOperand();
    return { kind: "comparison", operator: operator.operator, left, right };
  }

  private parseOperand(): Operand {
    const token = this.next();
    switch (token.kind) {
      case "field":
        return { kind: "field", name: token.name };
      case "string":
        return { kind: "string", value: token.value };
      case "number":
        return { kind: "number", value: token.value };
      case "null":
        return { kind: "null" };
      default:
        throw unexpected(token, expectedOperand);
    }
  }

  private nested(opener: Token, parse: () => Qualification): Qualification {
    this.depth += 1;
    if (this.depth > MAX_NESTING) throw new QualificationError(`Condition nested deeper than ${MAX_NESTING} levels`, opener.position);
    const result = parse();
    this.depth -= 1;
    return result;
  }
}

function unexpected(token: Token, expected: string): QualificationError {
  const problem = token.kind === "end" ? "Unexpected end of condition" : `Unexpected token ${quoteToken(token.text)}`;
  return new QualificationError(problem, token.position, expected);
}

/** Shows a token in a message: fields and strings already carry their quotes. */
function quoteToken(text: string): string {
  return text.startsWith("'") || text.startsWith('"') ? text : `'${text}'`;
}

/** Parses a qualification, throwing QualificationError (with `position`) when it is malformed. */
export function parse(condition: string): Qualification {
  return new Parser(tokenize(condition)).parseAll();
}

export type ParseQualificationResult =
  | { ok: true; ast: Qualification }
  | { ok: false; error: { message: string; position: number } };

/** Parses a qualification without throwing: what the registration API uses to reject a bad `condition`. */
export function parseQualification(condition: string): ParseQualificationResult {
  try {
    return { ok: true, ast: parse(condition) };
  } catch (error) {
    if (error instanceof QualificationError) return { ok: false, error: { message: error.message, position: error.position } };
    throw error;
  }
}
