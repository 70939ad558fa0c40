/**
 * The one error a malformed qualification raises: a message for people, e.g.
 * `Unexpected token ')' at position 12: expected a field, a value or '('`, and the 0-based character
 * offset of the culprit for programs.
 */
export class QualificationError extends Error {
  override readonly name = "QualificationError";

  /** `problem` says what is wrong ("Unexpected token ')'"); `expected`, when given, what would have been valid there. */
  constructor(
    problem: string,
    readonly position: number,
    expected?: string,
  ) {
    super(`${problem} at position ${position}${expected === undefined ? "" : `: expected ${expected}`}`);
  }
}
