/**
 * AR System qualifications, the `condition` of a subscription: parse once when a subscription is
 * registered or loaded, then evaluate against each event's field values. Pure; no bindings, no eval.
 */
export type { ArithmeticOperator, ComparisonOperator, Keyword, Operand, Qualification } from "./ast";
export { evaluate, referencedFields, type EvaluationContext } from "./evaluate";
export { matchesLike, type LikeMeter } from "./like";
export { MAX_NESTING, parse, parseQualification, type ParseQualificationResult } from "./parser";
export { QualificationError } from "./qualification-error";
export { tokenize, type Token } from "./tokenizer";
