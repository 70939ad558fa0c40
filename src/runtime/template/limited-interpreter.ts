/**
 * The interpreter that renders hook templates within one delivery's RenderBudget. Every evaluation is a step; an
 * operation that walks a value (a filter, an operator, a method, a loop, a test, a slice) first pays for walking it;
 * one that can grow its output multiplicatively first reserves the size it would build. @huggingface/jinja has no
 * hooks for this, so a few of its private methods are wrapped on the instance (each checked to exist, so a library
 * version without one fails loudly rather than renders unlimited). A wrapper evaluates the operands itself, charges
 * the budget from their sizes, then hands the values back to the library as already-evaluated nodes: nothing is
 * evaluated twice and the library keeps its own semantics. Pure: no bindings.
 */
import { type Environment, Interpreter, type Template } from "@huggingface/jinja";
import type { RenderBudget } from "./render-budget";
import { TemplateError } from "./template-error";
import {
  deepWalkSize,
  indentedSize,
  isList,
  isMapping,
  isText,
  joinedSize,
  jsonSize,
  replacedSize,
  textSize,
  walkSize,
  type JinjaValue,
  type JsonLayout,
} from "./value-size";

/** Longest string a template may build, its output included. */
export const MAX_RENDER_CHARS = 256 * 1024;
/** How deeply evaluations may nest (a recursive macro, say): far beyond any mapping, well inside the stack. */
export const MAX_RENDER_DEPTH = 256;

type Statement = NonNullable<Parameters<Interpreter["evaluate"]>[0]>;
type Value = ReturnType<Interpreter["evaluate"]>;
type Arguments = [Value[], Map<string, Value>];
type Original<Args extends unknown[]> = (...args: Args) => Value;

/** The few syntax node shapes the wrappers look into (the library does not export its node classes). */
interface SyntaxNode {
  type: string;
}
interface NamedNode extends SyntaxNode {
  value: string;
}
interface CallNode extends SyntaxNode {
  callee: SyntaxNode;
  args: SyntaxNode[];
}
interface MemberNode extends SyntaxNode {
  object: SyntaxNode;
  property: SyntaxNode;
  computed: boolean;
}
interface OperatorNode extends SyntaxNode {
  operator: { value: string };
  left: SyntaxNode;
  right: SyntaxNode;
}
interface TestNode extends SyntaxNode {
  operand: SyntaxNode;
}
interface ForNode extends SyntaxNode {
  iterable: SyntaxNode & { lhs?: SyntaxNode };
}

/** A node standing for a value the wrapper has already evaluated and paid for. */
const GIVEN = "GivenValue";
/** A statement of a block, whose value is written into the output. */
const WRITTEN = "WrittenStatement";

const given = (value: JinjaValue): SyntaxNode => ({ type: GIVEN, value }) as SyntaxNode;
const givenArguments = ([positional, keywords]: Arguments): SyntaxNode[] => [
  ...positional.map(given),
  ...[...keywords].map(([key, value]) => ({ type: "KeywordArgumentExpression", key: { type: "Identifier", value: key }, value: given(value) })),
];
const integerOf = (value: JinjaValue | undefined): number | undefined => (value?.type === "IntegerValue" ? (value.value as number) : undefined);
const log2 = (entries: number): number => Math.max(1, Math.ceil(Math.log2(entries + 1)));

/** Filters that grow their output and take arguments: evaluated here so the size can be predicted. */
const SIZED_FILTERS = new Set(["indent", "replace", "join", "tojson"]);
/** Filters that take constant time whatever their operand's size, and return it or one of its entries. */
const CONSTANT_FILTERS = new Set(["length", "first", "last", "default", "safe"]);
/** A loop makes a scope and a closure per entry of its iterable before the first iteration: each costs this many entries' work. */
const LOOP_ENTRY_WORK = 2;

export class LimitedInterpreter extends Interpreter {
  private depth = 0;
  private readonly walked = new WeakMap<JinjaValue, number>();
  private readonly writtenBlocks = new WeakMap<Statement[], Statement[]>();

  constructor(
    environment: Environment,
    private readonly budget: RenderBudget,
  ) {
    super(environment);
    this.wrap("evaluateBlock", this.block);
    this.wrap("applyFilter", this.filter);
    this.wrap("evaluateBinaryExpression", this.operator);
    this.wrap("evaluateCallExpression", this.call);
    this.wrap("evaluateFor", this.loop);
    this.wrap("evaluateTestExpression", this.test);
    this.wrap("evaluateSliceExpression", this.slice);
  }

  /** Renders a parsed template in `scope` to its output text. */
  render(template: Template, scope: Environment): string {
    return String(this.evaluate(template.parsed, scope).value);
  }

  override evaluate(statement: Statement | undefined, scope: Environment): Value {
    if (statement?.type === GIVEN) return (statement as unknown as { value: Value }).value;
    if (statement?.type === WRITTEN) return this.write((statement as unknown as { statement: Statement }).statement, scope);
    this.budget.step();
    this.depth += 1;
    try {
      if (this.depth > MAX_RENDER_DEPTH) throw new TemplateError(`Template nests deeper than ${MAX_RENDER_DEPTH} levels`);
      const result = super.evaluate(statement, scope);
      if (isText(result) && result.value.length > MAX_RENDER_CHARS) {
        throw new TemplateError(`Template built a string longer than ${MAX_RENDER_CHARS} characters`);
      }
      return result;
    } finally {
      this.depth -= 1;
    }
  }

  /** A loop body runs through evaluateBlock even when it is empty, so each iteration is a step here too. */
  private block(original: Original<[Statement[], Environment]>, statements: Statement[], scope: Environment): Value {
    this.budget.step();
    return original(this.written(statements), scope);
  }

  /** A block's statements, each marked so that a list or mapping written out as text is reserved first. */
  private written(statements: Statement[]): Statement[] {
    let marked = this.writtenBlocks.get(statements);
    if (!marked) {
      marked = statements.map((statement) => ({ type: WRITTEN, statement }) as unknown as Statement);
      this.writtenBlocks.set(statements, marked);
    }
    return marked;
  }

  private write(statement: Statement, scope: Environment): Value {
    const value = this.evaluate(statement, scope);
    if (isList(value) || isMapping(value)) this.budget.reserve(jsonSize(value, this.budget.outputLeft), "Writing a list or mapping into the output");
    return value;
  }

  private filter(original: Original<[Value, SyntaxNode, Environment]>, operand: Value, filter: SyntaxNode, scope: Environment): Value {
    const call = filter.type === "CallExpression" ? (filter as CallNode) : undefined;
    const name = call ? (call.callee.type === "Identifier" ? (call.callee as NamedNode).value : "") : (filter as NamedNode).value;
    const evaluated = call && SIZED_FILTERS.has(name) ? this.argumentsOf(call.args, scope) : undefined;
    const [positional, keywords] = evaluated ?? [[], new Map<string, Value>()];
    const argument = (index: number, keyword: string): Value | undefined => positional[index] ?? keywords.get(keyword);
    if (!CONSTANT_FILTERS.has(name)) this.budget.walk(walkSize(operand));
    const room = this.budget.outputLeft;
    const what = `The ${name} filter`;
    switch (name) {
      case "indent":
        if (isText(operand)) this.budget.reserve(indentedSize(operand.value, (call ? integerOf(argument(0, "width")) : undefined) ?? 4), what);
        break;
      case "replace":
        if (isText(operand)) this.reserveReplace(operand.value, positional, keywords, what);
        break;
      case "join": {
        const separator = argument(0, "separator");
        this.budget.reserve(joinedSize(operand, separator && isText(separator) ? separator.value : "", room), what);
        break;
      }
      case "tojson":
        this.budget.reserve(jsonSize(operand, room, jsonLayout(keywords)), what);
        break;
      case "string":
        if (isList(operand) || isMapping(operand)) this.budget.reserve(jsonSize(operand, room), what);
        break;
      case "sort":
      case "dictsort":
        this.budget.walk(deepWalkSize(operand, this.walked) * log2(walkSize(operand)));
        break;
      case "selectattr":
      case "rejectattr":
      case "unique":
        this.budget.walk(deepWalkSize(operand, this.walked));
        break;
    }
    const result = original(operand, evaluated ? ({ ...call, args: givenArguments(evaluated) } as SyntaxNode) : filter, scope);
    return CONSTANT_FILTERS.has(name) ? result : this.built(result, operand);
  }

  private operator(original: Original<[OperatorNode, Environment]>, node: OperatorNode, scope: Environment): Value {
    const operator = node.operator.value;
    // `and` and `or` evaluate their right side only when needed, and walk nothing.
    if (operator === "and" || operator === "or") return original(node, scope);
    const left = this.evaluate(node.left as Statement, scope);
    const right = this.evaluate(node.right as Statement, scope);
    this.budget.walk(this.operandsWork(operator, left, right));
    const room = this.budget.outputLeft;
    if (operator === "+" && isList(left) && isList(right)) {
      this.budget.reserve(left.value.length + right.value.length, "List +");
    } else if (operator === "*" && (isText(left) || isText(right))) {
      const [text, times] = isText(left) ? [left.value, right] : [String(right.value), left];
      this.budget.reserve(text.length * Math.max(integerOf(times) ?? 0, 0), "String *");
    } else if (operator === "~" || (operator === "+" && (isText(left) || isText(right)))) {
      this.budget.reserve(textSize(left, room) + textSize(right, room), `The ${operator} operator`);
    }
    return original({ ...node, left: given(left), right: given(right) }, scope);
  }

  /** What an operator walks: `in` searches a string or every entry of a list (a mapping is a lookup); `==` compares text. */
  private operandsWork(operator: string, left: Value, right: Value): number {
    if (operator === "in" || operator === "not in") return walkSize(left) + (isMapping(right) ? 0 : deepWalkSize(right, this.walked));
    if (operator === "==" || operator === "!=") return (isText(left) ? left.value.length : 0) + (isText(right) ? right.value.length : 0);
    return walkSize(left) + walkSize(right);
  }

  /** A call pays for what it returns (a range, a macro's text); a method (`text.replace(…)`) also for its object. */
  private call(original: Original<[CallNode, Environment]>, node: CallNode, scope: Environment): Value {
    const member = node.callee.type === "MemberExpression" ? (node.callee as MemberNode) : undefined;
    if (!member || member.property.type === "SliceExpression") return this.built(original(node, scope));
    const object = this.evaluate(member.object as Statement, scope);
    const property = member.computed ? this.evaluate(member.property as Statement, scope) : undefined;
    const method = property ? property.value : (member.property as NamedNode).value;
    const evaluated = this.argumentsOf(node.args, scope);
    // `get` looks one key up; every other method of a string or mapping walks it.
    if (method !== "get") this.budget.walk(walkSize(object));
    if (isText(object) && method === "replace") this.reserveReplace(object.value, ...evaluated, "replace()");
    if (isMapping(object) && method === "dictsort") this.budget.walk(deepWalkSize(object, this.walked) * log2(walkSize(object)));
    const callee = { ...member, object: given(object), ...(property && { property: given(property) }) };
    const result = original({ ...node, callee, args: givenArguments(evaluated) }, scope);
    return method === "get" ? result : this.built(result, object);
  }

  /** A loop first copies its whole iterable (then each iteration is a step of its own). */
  private loop(original: Original<[ForNode, Environment]>, node: ForNode, scope: Environment): Value {
    const select = node.iterable.type === "SelectExpression" ? node.iterable : undefined;
    const iterable = this.evaluate((select?.lhs ?? node.iterable) as Statement, scope);
    this.budget.walk(walkSize(iterable) * LOOP_ENTRY_WORK);
    return original({ ...node, iterable: select ? { ...select, lhs: given(iterable) } : given(iterable) }, scope);
  }

  /** A test (`is lower`, say) may read its whole operand. */
  private test(original: Original<[TestNode, Environment]>, node: TestNode, scope: Environment): Value {
    const operand = this.evaluate(node.operand as Statement, scope);
    this.budget.walk(walkSize(operand));
    return original({ ...node, operand: given(operand) }, scope);
  }

  /** A slice copies from its object, which is already evaluated. */
  private slice(original: Original<[Value, SyntaxNode, Environment]>, object: Value, node: SyntaxNode, scope: Environment): Value {
    this.budget.walk(walkSize(object));
    return this.built(original(object, node, scope));
  }

  /** Pays for a value an operation has just built (a split's pieces, a mapping's items), unless it is the operand itself. */
  private built(result: Value, operand?: Value): Value {
    if (result !== operand) this.budget.walk(walkSize(result));
    return result;
  }

  private reserveReplace(text: string, [old, replacement, count]: Value[], keywords: Map<string, Value>, what: string): void {
    if (!old || !replacement || !isText(old) || !isText(replacement)) return;
    const times = integerOf(count ?? keywords.get("count"));
    this.budget.reserve(replacedSize(text, old.value, replacement.value, times ?? null, this.budget.outputLeft), what);
  }

  private argumentsOf(nodes: SyntaxNode[], scope: Environment): Arguments {
    return (this as unknown as { evaluateArguments: (nodes: SyntaxNode[], scope: Environment) => Arguments }).evaluateArguments(nodes, scope);
  }

  /** Replaces the library's private method `name` on this instance: `replacement` gets the original and its arguments. */
  private wrap<Args extends unknown[]>(name: string, replacement: (original: Original<Args>, ...args: Args) => Value): void {
    const self = this as unknown as Record<string, unknown>;
    const method = self[name];
    if (typeof method !== "function") throw new Error(`This @huggingface/jinja version cannot be limited: it has no ${name}`);
    const original = (method as Original<Args>).bind(this);
    self[name] = (...args: Args) => replacement.call(this, original, ...args);
  }
}

/** The layout `tojson(indent=…, separators=…, ensure_ascii=…)` asks for, as the library reads it. */
function jsonLayout(keywords: Map<string, Value>): JsonLayout {
  const indent = Math.max(integerOf(keywords.get("indent")) ?? 0, 0);
  const separators = keywords.get("separators");
  const [item, key] = separators && isList(separators) ? separators.value : [];
  return {
    indent,
    itemSeparator: item && isText(item) ? item.value : indent > 0 ? "," : ", ",
    keySeparator: key && isText(key) ? key.value : ": ",
    ensureAscii: keywords.get("ensure_ascii")?.value === true,
  };
}
