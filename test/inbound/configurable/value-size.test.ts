/** Size predictions of template values: never below what the library really builds, and they stop counting past their limit. */
import { Environment, Template } from "@huggingface/jinja";
import { describe, expect, it } from "vitest";
import {
  deepWalkSize,
  ENTRY_WORK,
  indentedSize,
  joinedSize,
  jsonSize,
  replacedSize,
  textSize,
  type JinjaValue,
} from "../../../src/runtime/template/value-size";

/** The library's own runtime value for a JavaScript value. */
const runtime = (value: unknown): JinjaValue => new Environment().set("v", value);
/** What the library itself renders. */
const rendered = (source: string, v: unknown): string => new Template(source).render({ v });

const samples: unknown[] = [
  "",
  'quote " back\\slash \n newline \u0001 control',
  "naïve – 😀 emoji \ud800 lone",
  42,
  -1.5,
  true,
  null,
  [],
  {},
  [1, "two", [3, [4, {}]], { five: [6] }, null],
  { a: { b: { c: ["d", "e"] } }, "key \"quoted\"": "ü", empty: [] },
];

describe("value sizes: upper bounds on what the library builds", () => {
  it.each(samples.map((sample) => [JSON.stringify(sample) ?? String(sample), sample]))("tojson of %s, in every layout", (_label, sample) => {
    const value = runtime(sample);
    expect(jsonSize(value, Infinity)).toBeGreaterThanOrEqual(rendered("{{ v | tojson }}", sample).length);
    const layouts = [
      ["tojson(indent=3)", { indent: 3, itemSeparator: ",", keySeparator: ": ", ensureAscii: false }],
      ["tojson(ensure_ascii=true)", { indent: 0, itemSeparator: ", ", keySeparator: ": ", ensureAscii: true }],
      ['tojson(indent=2, separators=(";;", "=>"))', { indent: 2, itemSeparator: ";;", keySeparator: "=>", ensureAscii: false }],
    ] as const;
    for (const [filter, layout] of layouts) {
      expect(jsonSize(value, Infinity, layout), filter).toBeGreaterThanOrEqual(rendered(`{{ v | ${filter} }}`, sample).length);
    }
  });

  it.each(samples.filter((sample) => sample !== null).map((sample) => [JSON.stringify(sample), sample]))("text of %s (written out, ~, join)", (_label, sample) => {
    const value = runtime(sample);
    expect(textSize(value, Infinity)).toBeGreaterThanOrEqual(rendered("{{ v }}", sample).length);
    expect(textSize(value, Infinity)).toBeGreaterThanOrEqual(rendered('{{ v ~ "" }}', sample).length);
  });

  it("join: exact for strings, an upper bound for lists", () => {
    expect(joinedSize(runtime("abc"), "--", Infinity)).toBe(rendered('{{ v | join("--") }}', "abc").length);
    expect(joinedSize(runtime(["a", "bb"]), ", ", Infinity)).toBe(rendered('{{ v | join(", ") }}', ["a", "bb"]).length);
    expect(joinedSize(runtime(["a", 3, true]), ", ", Infinity)).toBeGreaterThanOrEqual(rendered('{{ v | join(", ") }}', ["a", 3, true]).length);
    const nested = [[1, [2]], { a: 1 }, null];
    expect(joinedSize(runtime(nested), "|", Infinity)).toBeGreaterThanOrEqual(rendered('{{ v | join("|") }}', nested).length);
  });

  it("indent and replace: at least what the library builds", () => {
    const text = "one\ntwo\n\nfour";
    expect(indentedSize(text, 7)).toBeGreaterThanOrEqual(rendered("{{ v | indent(7, true, true) }}", text).length);
    expect(replacedSize("abcabc", "b", "XYZ", null, Infinity)).toBe(rendered('{{ v | replace("b", "XYZ") }}', "abcabc").length);
    expect(replacedSize("abcabc", "b", "XYZ", 1, Infinity)).toBe(rendered('{{ v | replace("b", "XYZ", 1) }}', "abcabc").length);
    expect(replacedSize("abc", "", "--", null, Infinity)).toBe(rendered('{{ v.replace("", "--") }}', "abc").length);
    expect(replacedSize("abc", "abc", "", null, Infinity)).toBe(3);
  });

  it("a measure stops counting once past its limit", () => {
    expect(jsonSize(runtime(Array.from({ length: 10_000 }, () => "x".repeat(100))), 1_000)).toBeLessThan(1_300);
    expect(replacedSize("x".repeat(10_000), "x", "yy", null, 100)).toBeLessThan(10_200);
  });

  it("deep walk size counts the entries at every level and the characters of every string", () => {
    const inner = ["abcd"];
    expect(deepWalkSize(runtime([inner, inner, "xy"]), new WeakMap())).toBe(3 * ENTRY_WORK + 2 * (ENTRY_WORK + 4) + 2);
  });
});
