/**
 * Pure arithmetic behind GET /api/v1/stats: windows, bucket series from grouped counts, the success rate,
 * and the summary of the delivery streams. No bindings here; stats-store.ts runs the queries.
 */
import type { StreamView } from "../delivery/delivery-view";

export const STATS_WINDOWS = { "15m": 15 * 60_000, "1h": 60 * 60_000, "6h": 6 * 60 * 60_000, "24h": 24 * 60 * 60_000 } as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;
/** Every window is drawn as this many equal buckets (5 minutes each for 1 h). */
export const BUCKETS = 12;

export interface WindowBounds {
  from: number;
  to: number;
  bucketMs: number;
}

/** The window ending with `now` included (`to` is exclusive), cut into BUCKETS buckets. */
export function windowBounds(window: StatsWindow, now: number): WindowBounds {
  const span = STATS_WINDOWS[window];
  return { from: now + 1 - span, to: now + 1, bucketMs: span / BUCKETS };
}

/** Rows grouped by bucket index, as the store's GROUP BY returns them. */
export interface EventBucketRow {
  bucket: number;
  events: number;
}
export interface AttemptBucketRow {
  bucket: number;
  succeeded: number;
  failed: number;
}

export interface SeriesPoint {
  start: number;
  events: number;
  succeeded: number;
  failed: number;
}

/** All BUCKETS points, oldest first, zero where nothing happened; rows outside the window are ignored. */
export function bucketSeries(bounds: WindowBounds, eventRows: readonly EventBucketRow[], attemptRows: readonly AttemptBucketRow[]): SeriesPoint[] {
  const series = Array.from({ length: BUCKETS }, (_, index) => ({ start: bounds.from + index * bounds.bucketMs, events: 0, succeeded: 0, failed: 0 }));
  const at = (bucket: number) => (Number.isInteger(bucket) && bucket >= 0 && bucket < BUCKETS ? series[bucket] : undefined);
  for (const row of eventRows) {
    const point = at(row.bucket);
    if (point) point.events += row.events;
  }
  for (const row of attemptRows) {
    const point = at(row.bucket);
    if (!point) continue;
    point.succeeded += row.succeeded;
    point.failed += row.failed;
  }
  return series;
}

/** Succeeded share of attempts in [0, 1]; null when nothing was attempted (no rate, rather than 0 % or 100 %). */
export const successRate = (succeeded: number, attempted: number): number | null => (attempted === 0 ? null : succeeded / attempted);

export interface StreamSummary {
  streams: number;
  maxLag: number;
  openBreakers: number;
  blocked: number;
  deadLetters: number;
}

export function summariseStreams(streams: readonly StreamView[]): StreamSummary {
  return {
    streams: streams.length,
    maxLag: streams.reduce((max, stream) => Math.max(max, stream.lag), 0),
    openBreakers: streams.filter((stream) => stream.breaker === "open").length,
    blocked: streams.filter((stream) => stream.blocked).length,
    deadLetters: streams.reduce((sum, stream) => sum + stream.deadLetters, 0),
  };
}

/** Streams an operator should look at: behind, breaker not closed, or blocked on a dead letter. */
export const needsAttention = (stream: StreamView): boolean => stream.lag > 0 || stream.breaker !== "closed" || stream.blocked;
