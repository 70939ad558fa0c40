/**
 * Parses an AR System qualification (a subscription's `condition`, e.g. `'Status' != "Closed" AND 'Impact' <= 2`)
 * into a Qualification tree. Recursive descent over the tokenizer's output; precedence NOT > AND > OR,
 * parentheses group conditions; in a comparison's sides `*` and `/` bind tighter than `+` and `-`. An empty or
 * blank condition is `always`.
 *
 *   qualification := or-expr end | (nothing)
 *   or-expr       := and-expr ( (OR | ||) and-expr )*
 *   and-expr      := not-expr ( (AND | &&) not-expr )*
 *   not-expr      := (NOT | !) not-expr | "(" or-expr ")" | comparison
 *   comparison    := sum ( = | != | < | <= | > | >= | LIKE ) sum
 *   sum           := product ( (+ | -) product )*
 *   product       := factor ( (* | /) factor )*
 *   factor        := - factor | operand
 *   operand       := 'Field' | 'TR.Field' | 'DB.Field' | "string" | number | $NULL$ | $USER$ | $DATE$ | $TIME$ | $TIMESTAMP$ | $WEEKDAY$
 *
 * A field is named by its name or its id ('7'); which one is decided against the form's definition when evaluated.
 */
import type { ArithmeticOperator, Operand, Qualification } from "./ast";
import { QualificationError } from "./qualification-error";
import { tokenize, type Token } from "./tokenizer";

/** How deep parentheses and NOTs may nest: far beyond real conditions, well inside the Worker's stack. */
export const MAX_NESTING = 64;

const expectedOperand = "a field, a string, a number or a keyword such as $NULL$";
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
    const left = this.parseSum();
    const operator = this.next();
    if (operator.kind !== "comparison") throw unexpected(operator, expectedOperator);
    const right = this.parseSum();
    return { kind: "comparison", operator: operator.operator, left, right };
  }

  private parseSum(): Operand {
    return this.parseArithmetic(["+", "-"], () => this.parseProduct());
  }

  private parseProduct(): Operand {
    return this.parseArithmetic(["*", "/"], () => this.parseFactor());
  }

  /** `side (operator side)*`, left-associative. */
  private parseArithmetic(operators: readonly ArithmeticOperator[], parseSide: () => Operand): Operand {
    let left = parseSide();
    for (let token = this.peek(); token.kind === "arithmetic" && operators.includes(token.operator); token = this.peek()) {
      this.next();
      left = { kind: "arithmetic", operator: token.operator, left, right: parseSide() };
    }
    return left;
  }

  private parseFactor(): Operand {
    const token = this.peek();
    if (token.kind === "arithmetic" && token.operator === "-") {
      this.next();
      return { kind: "negate", operand: this.nested(token, () => this.parseFactor()) };
    }
    return this.parseOperand();
  }

  private parseOperand(): Operand {
    const token = this.next();
    switch (token.kind) {
      case "field":
        return fieldReference(token.name);
      case "keyword":
        return { kind: "keyword", keyword: token.keyword };
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

  private nested<T>(opener: Token, parse: () => T): T {
    this.depth += 1;
    if (this.depth > MAX_NESTING) throw new QualificationError(`Condition nested deeper than ${MAX_NESTING} levels`, opener.position);
    const result = parse();
    this.depth -= 1;
    return result;
  }
}

/** 'TR.Status' and 'DB.Status' read the value the change sets and the value before it; any other name as written. */
function fieldReference(name: string): Operand {
  const source = name.startsWith("TR.") ? "TR" : name.startsWith("DB.") ? "DB" : undefined;
  return source && name.length > 3 ? { kind: "field", name: name.slice(3), source } : { kind: "field", name };
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
