import { describe, expect, it } from "vitest";
import { PARSED_CONDITIONS_KEPT, parsedConditionCount, subscriptionMatches, type FanOutEvent } from "../../src/delivery/fan-out";
import type { Subscription } from "../../src/db/schema";

const event: FanOutEvent = { seq: 1, type: "create", form: "Widget", recordId: "1", data: { n: 5 }, changedFields: ["n"], createdAt: 10 };
// Only the fields subscriptionMatches reads; the rest of a stored subscription does not matter here.
const subscription = (condition: string) => ({ enabled: true, formName: "Widget", entryEvents: ["create"], condition, createdAt: 0 }) as unknown as Subscription;

describe("parsed conditions", () => {
  it("are kept in a bounded cache: more distinct conditions than it holds never grow it past the bound, and matching stays right", () => {
    for (let n = 0; n < PARSED_CONDITIONS_KEPT + 200; n++) {
      expect(subscriptionMatches(subscription(`'n' = ${n}`), event)).toBe(n === 5);
      expect(parsedConditionCount()).toBeLessThanOrEqual(PARSED_CONDITIONS_KEPT);
    }
    // One used again stays: the least recently used goes first.
    expect(subscriptionMatches(subscription("'n' = 5"), event)).toBe(true);
  });
});
