/** The token bucket and the drain's per-subscription throttle: pure, with the clock passed in. */
import { describe, expect, it } from "vitest";
import { fullBucket, refill, takeToken, type TokenBucket } from "../../src/delivery/token-bucket";
import { SendThrottle } from "../../src/delivery/send-throttle";

/** Takes tokens as fast as the bucket allows from `start`: the times `count` sends go at. */
function sendTimes(rate: number, count: number, start = 0): number[] {
  let bucket: TokenBucket = fullBucket(rate, start);
  let now = start;
  const times: number[] = [];
  while (times.length < count) {
    const taken = takeToken(bucket, rate, now);
    bucket = taken.bucket;
    if (taken.kind === "taken") times.push(now);
    else {
      expect(taken.until).toBeGreaterThan(now);
      now = taken.until;
    }
  }
  return times;
}

describe("token bucket", () => {
  it("a full burst of `rate` goes at once, then one every 1/rate s", () => {
    const times = sendTimes(5, 8);
    expect(times.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(times.slice(5)).toEqual([200, 400, 600]);
  });

  it("30 sends at 5 a second take 5 s (a burst of 5, then 25 at 200 ms)", () => {
    expect(sendTimes(5, 30).at(-1)).toBe(5_000);
  });

  it("after the burst, never more than `rate` sends in any 1 s, for odd rates too", () => {
    for (const rate of [1, 3, 7, 333, 1000]) {
      const times = sendTimes(rate, rate * 4, 12_345);
      for (let i = 2 * rate; i < times.length; i++) expect(times[i]! - times[i - rate]!).toBeGreaterThanOrEqual(1_000 - 1);
      // Burst included: a window of T ms holds at most rate + rate * T / 1000 sends.
      expect(times.filter((time) => time < 12_345 + 1_000).length).toBeLessThanOrEqual(2 * rate);
    }
  });

  it("refills no further than the burst, and a lowered rate lowers the burst at once", () => {
    expect(refill({ tokens: 0, refilledAt: 0 }, 10, 60_000).tokens).toBe(10);
    expect(refill({ tokens: 10, refilledAt: 0 }, 2, 0).tokens).toBe(2);
  });

  it("a clock that goes back takes nothing from the bucket", () => {
    expect(refill({ tokens: 1, refilledAt: 1_000 }, 5, 500)).toEqual({ tokens: 1, refilledAt: 1_000 });
  });

  it("the wait names the moment the next whole token is there", () => {
    const empty = { tokens: 0.5, refilledAt: 0 };
    const taken = takeToken(empty, 4, 0);
    expect(taken).toMatchObject({ kind: "wait", until: 125 });
    expect(takeToken(empty, 4, 125).kind).toBe("taken");
  });
});

describe("SendThrottle", () => {
  it("keeps one bucket per subscription; unlimited never waits", () => {
    const throttle = new SendThrottle();
    expect([1, 2].map(() => throttle.take("A", 2, 0))).toEqual([null, null]);
    expect(throttle.take("A", 2, 0)).toBe(500);
    expect(throttle.waiting("A", 2, 0)).toBe(true);
    expect(throttle.take("B", 2, 0)).toBeNull();
    expect(throttle.take("C", null, 0)).toBeNull();
    expect(throttle.waiting("C", null, 0)).toBe(false);
    expect(throttle.waiting("A", 2, 500)).toBe(false);
    expect(throttle.take("A", 2, 500)).toBeNull();
  });
});
