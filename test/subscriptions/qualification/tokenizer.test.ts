import { describe, expect, it } from "vitest";
import { QualificationError, tokenize, type Token } from "../../../src/subscriptions/qualification";

/** A token reduced to what a reader checks: kind, payload and position. */
function brief(token: Token): string {
  switch (token.kind) {
    case "field":
      return `field[${token.name}]@${token.position}`;
    case "string":
      return `string[${token.value}]@${token.position}`;
    case "number":
      return `number[${token.value}]@${token.position}`;
    case "comparison":
      return `${token.operator}@${token.position}`;
    default:
      return `${token.kind}@${token.position}`;
  }
}

describe("qualification tokenizer", () => {
  it.each<[string, string[]]>([
    ["", ["end@0"]],
    ["  \t\n ", ["end@5"]],
    [`'Status' !="Closed"`, ["field[Status]@0", "!=@9", "string[Closed]@11", "end@19"]],
    [`'Short Description' LIKE "%VPN%"`, ["field[Short Description]@0", "LIKE@20", "string[%VPN%]@25", "end@32"]],
    [`'It''s' = "say ""hi"""`, ["field[It's]@0", "=@8", `string[say "hi"]@10`, "end@22"]],
    ["'A'<=1 'B'>=-2.5 'C'<3 'D'>4", ["field[A]@0", "<=@3", "number[1]@5", "field[B]@7", ">=@10", "number[-2.5]@12", "field[C]@17", "<@20", "number[3]@21", "field[D]@23", ">@26", "number[4]@27", "end@28"]],
    ["$NULL$ $null$", ["null@0", "null@7", "end@13"]],
    ["and AND Or || && not NOT ! ( ) like", ["and@0", "and@4", "or@8", "or@11", "and@14", "not@17", "not@21", "not@25", "(@27", ")@29", "LIKE@31", "end@35"]],
    ["!'A'!=1", ["not@0", "field[A]@1", "!=@4", "number[1]@6", "end@7"]],
    ["'A'=1AND'B'=2", ["field[A]@0", "=@3", "number[1]@4", "and@5", "field[B]@8", "=@11", "number[2]@12", "end@13"]],
    [`"" ''''`, ["string[]@0", "field[']@3", "end@7"]],
    ["'536870913' = 0", ["field[536870913]@0", "=@12", "number[0]@14", "end@15"]],
    // After an operand a `-` is a minus; after an operator or at the start it signs a number.
    ["'A'-1 = -2", ["field[A]@0", "arithmetic@3", "number[1]@4", "=@6", "number[-2]@8", "end@10"]],
    ["1 - -2 * 'B' / 4 + 'C'", ["number[1]@0", "arithmetic@2", "number[-2]@4", "arithmetic@7", "field[B]@9", "arithmetic@13", "number[4]@15", "arithmetic@17", "field[C]@19", "end@22"]],
    ["$USER$ $date$ $Time$ $TIMESTAMP$ $WEEKDAY$", ["keyword@0", "keyword@7", "keyword@14", "keyword@21", "keyword@33", "end@42"]],
  ])("%j", (source, expected) => {
    expect(tokenize(source).map(brief)).toEqual(expected);
  });

  it("keeps each token's source text, quotes and letter case included", () => {
    expect(tokenize(`'a''b' like "x"`).map((token) => token.text)).toEqual([`'a''b'`, "like", `"x"`, ""]);
  });

  it.each<[string, string, number]>([
    [`'Status = "Closed"`, "Unterminated field name at position 0: expected a closing '", 0],
    [`'Status' = "Closed`, `Unterminated string at position 11: expected a closing "`, 11],
    ["'' = 1", "Empty field name at position 0", 0],
    ["'  ' = 1", "Empty field name at position 0", 0],
    ["Status = 1", "Unexpected word 'Status' at position 0: expected a keyword, or a field name in single quotes such as 'Status'", 0],
    ["'A' = $USERS$", "Unknown keyword '$USERS$' at position 6: expected $NULL$, $USER$, $DATE$, $TIME$, $TIMESTAMP$, $WEEKDAY$", 6],
    ["'A' = $NULL", "Unexpected character '$' at position 6: expected $NULL$, $USER$, $DATE$, $TIME$, $TIMESTAMP$, $WEEKDAY$", 6],
    ["'A' = $ OR 'B' = $NULL$", "Unexpected character '$' at position 6: expected $NULL$, $USER$, $DATE$, $TIME$, $TIMESTAMP$, $WEEKDAY$", 6],
    ["'A' = $GROUPS$ AND 'B' = $NULL$", "Unknown keyword '$GROUPS$' at position 6: expected $NULL$, $USER$, $DATE$, $TIME$, $TIMESTAMP$, $WEEKDAY$", 6],
    ["'A' = 1 # 2", "Unexpected character '#' at position 8", 8],
    ["'A' & 'B'", "Unexpected character '&' at position 4", 4],
    ["'A' | 'B'", "Unexpected character '|' at position 4", 4],
    ["'A' = 1.", "Unexpected character '.' at position 7", 7],
    ["'A' = 1 ☃", "Unexpected character '☃' at position 8", 8],
    ["'A' = 1 😀", "Unexpected character '😀' at position 8", 8],
  ])("rejects %j", (source, message, position) => {
    const error = (() => {
      try {
        tokenize(source);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(QualificationError);
    expect(error).toMatchObject({ message, position, name: "QualificationError" });
  });
});
