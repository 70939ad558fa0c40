import { describe, expect, it } from "vitest";
import { BUCKETS, bucketSeries, needsAttention, successRate, summariseStreams, windowBounds } from "../../src/stats/aggregate";
import { streamView } from "./stream-view";

const stream = streamView;

describe("stats aggregation", () => {
  it("cuts 1 h into twelve 5-minute buckets ending with now included", () => {
    const bounds = windowBounds("1h", 10_000_000);
    expect(bounds.bucketMs).toBe(5 * 60_000);
    expect(bounds.to - bounds.from).toBe(60 * 60_000);
    expect(Math.floor((10_000_000 - bounds.from) / bounds.bucketMs)).toBe(BUCKETS - 1);
  });

  it("fills every bucket, oldest first, and ignores rows outside the window", () => {
    const bounds = { from: 0, to: 1200, bucketMs: 100 };
    const series = bucketSeries(bounds, [{ bucket: 0, events: 3 }, { bucket: 11, events: 1 }, { bucket: 12, events: 9 }, { bucket: -1, events: 9 }], [{ bucket: 11, succeeded: 2, failed: 1 }]);
    expect(series).toHaveLength(BUCKETS);
    expect(series[0]).toEqual({ start: 0, events: 3, succeeded: 0, failed: 0 });
    expect(series[11]).toEqual({ start: 1100, events: 1, succeeded: 2, failed: 1 });
    expect(series.reduce((sum, point) => sum + point.events, 0)).toBe(4);
  });

  it("has no success rate without attempts", () => {
    expect(successRate(0, 0)).toBeNull();
    expect(successRate(1, 4)).toBe(0.25);
  });

  it("summarises streams: max lag, open breakers, blocked, dead letters; flags the ones to look at", () => {
    const streams = [stream({ lag: 3, deadLetters: 1, blocked: true }), stream({ breaker: "open", lag: 1 }), stream({ deadLetters: 2 })];
    expect(summariseStreams(streams)).toEqual({ streams: 3, maxLag: 3, openBreakers: 1, blocked: 1, deadLetters: 3 });
    expect(streams.map(needsAttention)).toEqual([true, true, false]);
    expect(summariseStreams([])).toEqual({ streams: 0, maxLag: 0, openBreakers: 0, blocked: 0, deadLetters: 0 });
  });
});
