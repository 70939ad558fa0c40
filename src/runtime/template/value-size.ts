/**
 * Sizes of the template interpreter's values, measured without building anything: the work of walking one (what
 * steps charge) and an upper bound on what a size-growing operation would build of it (what the output budget
 * reserves before the operation runs). A measure that passes its `limit` stops counting and returns more than the limit.
 * Pure.
 */

/** A runtime value of @huggingface/jinja, known by its `type` tag: the library does not export its value classes. */
export interface JinjaValue {
  type: string;
  value: unknown;
}

type TextValue = JinjaValue & { value: string };
type ListValue = JinjaValue & { value: JinjaValue[] };
type MappingValue = JinjaValue & { value: Map<string, JinjaValue> };

export const isText = (value: JinjaValue): value is TextValue => value.type === "StringValue";
export const isList = (value: JinjaValue): value is ListValue => value.type === "ArrayValue" || value.type === "TupleValue";
export const isMapping = (value: JinjaValue): value is MappingValue =>
  value.type === "ObjectValue" || value.type === "KeywordArgumentsValue" || value.type === "NamespaceValue";

/** Work, in characters, that one list or mapping entry stands for: an entry is an object to visit or build, not a byte. */
export const ENTRY_WORK = 64;

/** The work of walking a value's top level: a string's characters, a list's or mapping's entries; 0 for anything else. */
export function walkSize(value: JinjaValue): number {
  if (isText(value)) return value.value.length;
  if (isList(value)) return value.value.length * ENTRY_WORK;
  return isMapping(value) ? value.value.size * ENTRY_WORK : 0;
}

/**
 * The work of walking everything under a value, a shared value counted wherever it appears. Remembered per list and
 * mapping, which the library never changes; a namespace can change (`{% set ns.x = … %}`), so it is walked afresh.
 */
export function deepWalkSize(value: JinjaValue, known: WeakMap<JinjaValue, number>): number {
  if (!isList(value) && !isMapping(value)) return walkSize(value);
  let size = known.get(value);
  if (size === undefined) {
    size = walkSize(value);
    for (const child of value.value.values()) size += deepWalkSize(child, known);
    if (value.type !== "NamespaceValue") known.set(value, size);
  }
  return size;
}

/** How `tojson` lays out lists and mappings. */
export interface JsonLayout {
  indent: number;
  itemSeparator: string;
  keySeparator: string;
  ensureAscii: boolean;
}

export const DEFAULT_LAYOUT: JsonLayout = { indent: 0, itemSeparator: ", ", keySeparator: ": ", ensureAscii: false };

/** Length of JSON.stringify(text), or more: escapes counted, a lone surrogate as an escape, non-ASCII escaped when asked. */
function quotedSize(text: string, ensureAscii: boolean): number {
  let size = 2;
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === 0x22 || code === 0x5c) size += 2;
    else if (code < 0x20) size += 6;
    else if (code < 0x7f) size += 1;
    else if (ensureAscii) size += 6;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(at + 1) & 0xfc00) === 0xdc00) {
      size += 2;
      at += 1;
    } else size += code >= 0xd800 && code <= 0xdfff ? 6 : 1;
  }
  return size;
}

/**
 * An upper bound on any text the library makes of `value`: `tojson` in `layout`, and `toString` (where undefined
 * is "undefined", a mapping's raw value "[object Map]"). The library builds the indentation strings of every
 * list and mapping, even an empty one, so those count too.
 */
export function jsonSize(value: JinjaValue, limit: number, layout: JsonLayout = DEFAULT_LAYOUT): number {
  const { indent, itemSeparator, keySeparator, ensureAscii } = layout;
  let size = 0;
  const fits = (more: number): boolean => (size += more) <= limit;
  const visit = (node: JinjaValue, depth: number): boolean => {
    if (isText(node)) return fits(node.value.length + 2 > limit - size ? node.value.length + 2 : quotedSize(node.value, ensureAscii));
    if (!isList(node) && !isMapping(node)) return fits(String(node.value).length + 2);
    if (!fits("[object Map]".length + (indent > 0 ? 3 + indent * (2 * depth + 2) : 0))) return false;
    let first = true;
    const entry = (key: string | undefined, child: JinjaValue): boolean => {
      const lead = (first ? 0 : itemSeparator.length) + (indent > 0 ? 1 + indent * (depth + 1) : 0);
      first = false;
      return fits(lead + (key === undefined ? 0 : quotedSize(key, ensureAscii) + keySeparator.length)) && visit(child, depth + 1);
    };
    if (isList(node)) return node.value.every((child) => entry(undefined, child));
    for (const [key, child] of node.value) if (!entry(key, child)) return false;
    return true;
  };
  visit(value, 0);
  return size;
}

/** An upper bound on the text `~`, string `+` and `join` make of a value: a string as it is, anything else as above. */
export const textSize = (value: JinjaValue, limit: number): number => (isText(value) ? value.value.length : jsonSize(value, limit));

/** The `indent` filter: every line may gain `width` spaces (the library builds the padding even for one line). */
export function indentedSize(text: string, width: number): number {
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lines += 1;
  return text.length + Math.max(width, 0) * lines;
}

/** `replace(old, new, count)`: each occurrence replaced, up to `count` (null or negative: all), counted until past `limit`. */
export function replacedSize(text: string, old: string, replacement: string, count: number | null, limit: number): number {
  const growth = replacement.length - old.length;
  if (count === 0 || growth <= 0) return text.length;
  const most = count === null || count < 0 ? Infinity : count;
  if (old === "") return text.length + Math.min(text.length + 1, most) * growth;
  let occurrences = 0;
  for (let at = text.indexOf(old); at !== -1 && occurrences < most; at = text.indexOf(old, at + old.length)) {
    occurrences += 1;
    if (text.length + occurrences * growth > limit) break;
  }
  return text.length + occurrences * growth;
}

/** `join(separator)` over a list's entries, or over a string's characters. */
export function joinedSize(operand: JinjaValue, separator: string, limit: number): number {
  if (isText(operand)) return operand.value.length + Math.max(operand.value.length - 1, 0) * separator.length;
  if (!isList(operand)) return 0;
  let size = Math.max(operand.value.length - 1, 0) * separator.length;
  for (const entry of operand.value) {
    if (size > limit) break;
    size += textSize(entry, limit - size);
  }
  return size;
}
