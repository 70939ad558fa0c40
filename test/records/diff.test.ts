import { describe, expect, it } from "vitest";
import { applyPatch, changedFields, jsonEqual } from "../../src/records/diff";

describe("record diffing", () => {
  it.each([
    [1, 1, true],
    ["a", "a", true],
    [null, null, true],
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, false],
    [[1, 2], [2, 1], false],
    [{ a: null }, {}, false],
    ["1", 1, false],
    [[], {}, false],
  ])("jsonEqual(%j, %j) = %s", (a, b, equal) => {
    expect(jsonEqual(a, b)).toBe(equal);
  });

  it("lists added, changed and removed fields, sorted, ignoring unchanged ones", () => {
    expect(changedFields({ a: 1, b: "x", c: { d: 1 } }, { b: "y", a: 1, c: { d: 1 }, e: true })).toEqual(["b", "e"]);
    expect(changedFields({ a: 1, b: 2 }, { a: 1 })).toEqual(["b"]);
    expect(changedFields({ a: [1] }, { a: [1] })).toEqual([]);
  });

  it("applies a patch: null removes a field, other values replace", () => {
    expect(applyPatch({ a: 1, b: 2, c: 3 }, { b: 20, c: null, d: 4 })).toEqual({ a: 1, b: 20, d: 4 });
  });
});
