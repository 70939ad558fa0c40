/**
 * The events outbox as other modules read it: a tenant's events in seq order after a point, its newest seq,
 * the tenants whose newest event is past a cursor their reader keeps, and event counts per time bucket.
 * Delivery, its sweeper and stats read events only through these functions; records/ stays their one owner.
 */
import { and, asc, desc, eq, gt, gte, lt, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "../db/client";
import { events, type StoredEvent } from "../db/schema";

/** The most events one page holds, whatever the caller asks for. */
export const MAX_EVENT_PAGE = 500;

/** Up to `limit` (at most MAX_EVENT_PAGE) of the tenant's events with a seq above `afterSeq`, oldest first. */
export function eventsAfter(db: Database, tenantId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
  const where = and(eq(events.tenantId, tenantId), gt(events.seq, afterSeq));
  return db.select().from(events).where(where).orderBy(asc(events.seq)).limit(Math.min(limit, MAX_EVENT_PAGE)).all();
}

/** The seq of the tenant's newest event; 0 when it has none. */
export async function newestEventSeq(db: Database, tenantId: string): Promise<number> {
  const row = await db.select({ seq: events.seq }).from(events).where(eq(events.tenantId, tenantId)).orderBy(desc(events.seq)).limit(1).get();
  return row?.seq ?? 0;
}

/** A table in which a reader of the outbox keeps one cursor (the last seq it read) per tenant. */
export interface TenantCursorTable {
  table: SQLiteTable;
  tenantId: SQLiteColumn;
  seq: SQLiteColumn;
}

/** The tenants whose newest event is past their cursor in `cursors`, or who have no cursor there at all. */
export async function tenantsPastCursor(db: Database, cursors: TenantCursorTable): Promise<string[]> {
  const rows = await db.all<{ tenant_id: string }>(sql`
    SELECT e.tenant_id AS tenant_id
    FROM (SELECT ${events.tenantId} AS tenant_id, MAX(${events.seq}) AS newest FROM ${events} GROUP BY ${events.tenantId}) e
    LEFT JOIN ${cursors.table} ON ${cursors.tenantId} = e.tenant_id
    WHERE ${cursors.seq} IS NULL OR ${cursors.seq} < e.newest`);
  return rows.map((row) => row.tenant_id);
}

/**
 * The tenant's events committed in [from, to), counted per bucket of `bucketMs` (bucket 0 starts at `from`).
 * Returns the query unrun, so a caller can await it or put it in a D1 batch with its own queries.
 */
export function eventCountsByBucket(db: Database, tenantId: string, window: { from: number; to: number; bucketMs: number }) {
  const bucket = sql<number>`CAST((${events.createdAt} - ${window.from}) / ${window.bucketMs} AS INTEGER)`;
  return db
    .select({ bucket, events: sql<number>`COUNT(*)` })
    .from(events)
    .where(and(eq(events.tenantId, tenantId), gte(events.createdAt, window.from), lt(events.createdAt, window.to)))
    .groupBy(bucket);
}
