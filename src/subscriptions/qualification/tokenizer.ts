/**
 * Splits an AR System qualification into tokens: 'Field Name' references, "string" and number literals,
 * $NULL$ and the other $KEYWORD$s, comparison and arithmetic operators, AND/OR/NOT (or &&, ||, !) and
 * parentheses. Every token keeps its source text and 0-based position so the parser can point at it in an error.
 * A `-` right after an operand is a minus; elsewhere, before a digit, it starts a negative number.
 */
import { keywords as keywordNames, type ArithmeticOperator, type ComparisonOperator, type Keyword } from "./ast";
import { QualificationError } from "./qualification-error";

interface TokenBase {
  /** 0-based character offset of the token's first character. */
  position: number;
  /** The token exactly as written, quotes included. */
  text: string;
}

export type Token = TokenBase &
  (
    | { kind: "field"; name: string }
    | { kind: "string"; value: string }
    | { kind: "number"; value: number }
    | { kind: "null" }
    | { kind: "keyword"; keyword: Keyword }
    | { kind: "comparison"; operator: ComparisonOperator }
    | { kind: "arithmetic"; operator: ArithmeticOperator }
    | { kind: "and" | "or" | "not" | "(" | ")" | "end" }
  );

/** Words that are keywords, in any letter case (position and text are filled in where the word is read). */
const keywords: ReadonlyMap<string, Token> = new Map<string, Token>([
  ["AND", { kind: "and", text: "AND", position: 0 }],
  ["OR", { kind: "or", text: "OR", position: 0 }],
  ["NOT", { kind: "not", text: "NOT", position: 0 }],
  ["LIKE", { kind: "comparison", operator: "LIKE", text: "LIKE", position: 0 }],
]);

/** Symbols, longest first so that `<=` wins over `<` and `!=` over `!` (position is filled in where the symbol is read). */
const symbols: readonly Token[] = [
  { kind: "comparison", operator: "!=", text: "!=", position: 0 },
  { kind: "comparison", operator: "<=", text: "<=", position: 0 },
  { kind: "comparison", operator: ">=", text: ">=", position: 0 },
  { kind: "and", text: "&&", position: 0 },
  { kind: "or", text: "||", position: 0 },
  { kind: "comparison", operator: "=", text: "=", position: 0 },
  { kind: "comparison", operator: "<", text: "<", position: 0 },
  { kind: "comparison", operator: ">", text: ">", position: 0 },
  { kind: "not", text: "!", position: 0 },
  { kind: "(", text: "(", position: 0 },
  { kind: ")", text: ")", position: 0 },
  { kind: "arithmetic", operator: "+", text: "+", position: 0 },
  { kind: "arithmetic", operator: "-", text: "-", position: 0 },
  { kind: "arithmetic", operator: "*", text: "*", position: 0 },
  { kind: "arithmetic", operator: "/", text: "/", position: 0 },
];

/** The $KEYWORD$s a condition may use, as an error message lists them. */
const EXPECTED_KEYWORD = `$NULL$, ${keywordNames.map((keyword) => `$${keyword}$`).join(", ")}`;

/** Tokens after which a `-` is a minus, not the sign of a number. */
const endsOperand = (token: Token | undefined): boolean =>
  token !== undefined && ["field", "string", "number", "null", "keyword", ")"].includes(token.kind);

const numberPattern = /-?\d+(?:\.\d+)?/y;
const wordPattern = /[A-Za-z_][A-Za-z0-9_]*/y;
const whitespacePattern = /\s+/y;
/** AR's $KEYWORD$ form. */
const dollarKeywordPattern = /\$[A-Za-z_]+\$/y;

/** Reads a quoted run starting at `start`; a doubled quote inside stands for one quote. Returns the unquoted text and the end offset. */
function readQuoted(source: string, start: number, quote: "'" | '"', what: string): { value: string; end: number } {
  let value = "";
  let index = start + 1;
  while (index < source.length) {
    const char = source[index];
    if (char === quote) {
      if (source[index + 1] !== quote) return { value, end: index + 1 };
      value += quote;
      index += 2;
    } else {
      value += char;
      index += 1;
    }
  }
  throw new QualificationError(`Unterminated ${what}`, start, `a closing ${quote}`);
}

/** Matches a sticky pattern at `position`, or returns undefined. */
function matchAt(pattern: RegExp, source: string, position: number): string | undefined {
  pattern.lastIndex = position;
  return pattern.exec(source)?.[0];
}

/** Tokenizes a whole qualification; the last token is always `end` (at the text's length). Throws QualificationError. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < source.length) {
    const char = String.fromCodePoint(source.codePointAt(position) ?? 0);
    const whitespace = matchAt(whitespacePattern, source, position);
    if (whitespace !== undefined) {
      position += whitespace.length;
      continue;
    }
    if (char === "'") {
      const { value, end } = readQuoted(source, position, "'", "field name");
      if (value.trim() === "") throw new QualificationError("Empty field name", position);
      tokens.push({ kind: "field", name: value, text: source.slice(position, end), position });
      position = end;
      continue;
    }
    if (char === '"') {
      const { value, end } = readQuoted(source, position, '"', "string");
      tokens.push({ kind: "string", value, text: source.slice(position, end), position });
      position = end;
      continue;
    }
    const number = char === "-" && endsOperand(tokens[tokens.length - 1]) ? undefined : matchAt(numberPattern, source, position);
    if (number !== undefined) {
      tokens.push({ kind: "number", value: Number(number), text: number, position });
      position += number.length;
      continue;
    }
    if (char === "$") {
      const text = matchAt(dollarKeywordPattern, source, position);
      if (text === undefined) throw new QualificationError("Unexpected character '$'", position, EXPECTED_KEYWORD);
      const name = text.slice(1, -1).toUpperCase();
      if (name === "NULL") tokens.push({ kind: "null", text, position });
      else if ((keywordNames as readonly string[]).includes(name)) tokens.push({ kind: "keyword", keyword: name as Keyword, text, position });
      else throw new QualificationError(`Unknown keyword '${text}'`, position, EXPECTED_KEYWORD);
      position += text.length;
      continue;
    }
    const word = matchAt(wordPattern, source, position);
    if (word !== undefined) {
      const keyword = keywords.get(word.toUpperCase());
      if (keyword === undefined) {
        throw new QualificationError(`Unexpected word '${word}'`, position, `a keyword, or a field name in single quotes such as '${word}'`);
      }
      tokens.push({ ...keyword, text: word, position });
      position += word.length;
      continue;
    }
    const symbol = symbols.find(({ text }) => source.startsWith(text, position));
    if (symbol === undefined) throw new QualificationError(`Unexpected character '${char}'`, position);
    tokens.push({ ...symbol, position });
    position += symbol.text.length;
  }
  tokens.push({ kind: "end", text: "", position: source.length });
  return tokens;
}
