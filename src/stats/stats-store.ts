/** The D1 side of tenant stats: events committed and delivery attempts in a window, grouped by bucket. */
import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { deliveryAttempts } from "../db/schema";
import { eventCountsByBucket } from "../records/event-feed";
import { bucketSeries, successRate, type SeriesPoint, type WindowBounds } from "./aggregate";

export interface ActivityStats {
  events: number;
  deliveries: { attempted: number; succeeded: number; failed: number; successRate: number | null };
  series: SeriesPoint[];
}

export async function activityStats(db: Database, tenantId: string, bounds: WindowBounds): Promise<ActivityStats> {
  const attemptBucket = sql<number>`CAST((${deliveryAttempts.startedAt} - ${bounds.from}) / ${bounds.bucketMs} AS INTEGER)`;
  // A 2xx answer is a success, as the delivery engine's retry policy counts it (isSuccessStatus).
  const succeeded = sql<number>`SUM(CASE WHEN ${deliveryAttempts.statusCode} BETWEEN 200 AND 299 THEN 1 ELSE 0 END)`;
  const [eventRows, attemptRows] = await db.batch([
    eventCountsByBucket(db, tenantId, bounds),
    db
      .select({ bucket: attemptBucket, succeeded, failed: sql<number>`COUNT(*) - ${succeeded}` })
      .from(deliveryAttempts)
      .where(and(eq(deliveryAttempts.tenantId, tenantId), gte(deliveryAttempts.startedAt, bounds.from), lt(deliveryAttempts.startedAt, bounds.to)))
      .groupBy(attemptBucket),
  ]);
  const series = bucketSeries(bounds, eventRows, attemptRows);
  const total = (pick: (point: SeriesPoint) => number) => series.reduce((sum, point) => sum + pick(point), 0);
  const ok = total((point) => point.succeeded);
  const attempted = ok + total((point) => point.failed);
  return {
    events: total((point) => point.events),
    deliveries: { attempted, succeeded: ok, failed: attempted - ok, successRate: successRate(ok, attempted) },
    series,
  };
}
