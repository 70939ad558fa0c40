import { describe, expect, it } from "vitest";
import { TtlCache } from "../../src/http/ttl-cache";

describe("TtlCache", () => {
  it("returns a value until it expires", () => {
    let now = 1_000;
    const cache = new TtlCache<string, number>(100, 10, () => now);
    cache.set("a", 1);
    now = 1_099;
    expect(cache.get("a")).toBe(1);
    now = 1_100;
    expect(cache.get("a")).toBeUndefined();
  });

  it("forgets a deleted entry at once and drops the oldest entry when full", () => {
    const cache = new TtlCache<string, number>(1_000, 2, () => 0);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBe(3);
    cache.delete("c");
    expect(cache.get("c")).toBeUndefined();
  });
});
