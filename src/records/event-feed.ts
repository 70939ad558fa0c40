/**
 * The events outbox as other modules read it: a tenant's events in seq order after a point, its newest seq,
 * the tenants whose newest event is past a cursor their reader keeps, and event counts per time bucket and per
 * form and type. Delivery, its sweeper, stats and metrics read events only through these functions; records/ stays their one owner.
 */
import { and, asc, desc, eq, gt, gte, lt, lte, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "../db/client";
import { events, type StoredEvent } from "../db/schema";

/** The most events one page holds, whatever the caller asks for. */
export const MAX_EVENT_PAGE = 500;

/** The default byte budget of a page: far below a D1 result's limit and an isolate's memory, whatever the events. */
export const EVENT_PAGE_BYTES = 4 * 1024 * 1024;

/** What an event's row costs besides its data and changed fields (ids, form, type, source, numbers), roughly. */
const EVENT_ROW_OVERHEAD_BYTES = 256;

/**
 * Up to `limit` (at most MAX_EVENT_PAGE) of the tenant's events with a seq above `afterSeq`, oldest first, and
 * no more than `maxBytes` of them: the sizes are read first, then only the rows that fit. The first event is
 * always read, however large, so a page always moves and the same page never fails the same way on every retry.
 */
export async function eventsAfter(db: Database, tenantId: string, afterSeq: number, limit: number, maxBytes = EVENT_PAGE_BYTES): Promise<StoredEvent[]> {
  return (await eventPageAfter(db, tenantId, afterSeq, limit, maxBytes)).events;
}

export interface EventPage {
  events: StoredEvent[];
  /** True when events may follow this page (it was cut by the row limit or the byte budget). */
  more: boolean;
}

/** eventsAfter(), saying whether the page reached the newest event, so a reader needs no empty read to know. */
export async function eventPageAfter(db: Database, tenantId: string, afterSeq: number, limit: number, maxBytes = EVENT_PAGE_BYTES): Promise<EventPage> {
  const where = and(eq(events.tenantId, tenantId), gt(events.seq, afterSeq));
  const size = sql<number>`length(CAST(${events.data} AS BLOB)) + length(CAST(${events.changedFields} AS BLOB)) + COALESCE(length(CAST(${events.previous} AS BLOB)), 0)`;
  const rows = Math.min(limit, MAX_EVENT_PAGE);
  const sizes = await db.select({ seq: events.seq, size }).from(events).where(where).orderBy(asc(events.seq)).limit(rows).all();
  let fitting = 0;
  for (let bytes = 0; fitting < sizes.length; fitting++) {
    bytes += sizes[fitting]!.size + EVENT_ROW_OVERHEAD_BYTES;
    if (bytes > maxBytes && fitting > 0) break;
  }
  if (fitting === 0) return { events: [], more: false };
  const page = await db.select().from(events).where(and(where, lte(events.seq, sizes[fitting - 1]!.seq))).orderBy(asc(events.seq)).all();
  return { events: page, more: sizes.length === rows || fitting < sizes.length };
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

/**
 * Up to `limit` tenants whose newest event is past their cursor in `cursors`, or who have no cursor there at all.
 * The tenants with events are walked one index seek each (the primary key, tenant_id + seq), and so is each one's newest seq:
 * the cost grows with the number of tenants, never with the number of events.
 */
export async function tenantsPastCursor(db: Database, cursors: TenantCursorTable, limit: number): Promise<string[]> {
  const rows = await db.all<{ tenant_id: string }>(tenantsPastCursorQuery(cursors, limit));
  return rows.map((row) => row.tenant_id);
}

/** The statement tenantsPastCursor() runs (exported so a test can explain its plan). */
export const tenantsPastCursorQuery = (cursors: TenantCursorTable, limit: number) => sql`
    WITH RECURSIVE tenant(id) AS (
      SELECT MIN(tenant_id) FROM ${events}
      UNION ALL
      SELECT (SELECT MIN(tenant_id) FROM ${events} WHERE tenant_id > tenant.id) FROM tenant WHERE tenant.id IS NOT NULL
    )
    SELECT tenant.id AS tenant_id FROM tenant
    LEFT JOIN ${cursors.table} ON ${cursors.tenantId} = tenant.id
    WHERE tenant.id IS NOT NULL
      AND (${cursors.seq} IS NULL OR ${cursors.seq} < (SELECT MAX(seq) FROM ${events} WHERE tenant_id = tenant.id))
    LIMIT ${limit}`;

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

/** How many of the tenant's events (those retention has kept) there are per form and type; a query for a D1 batch. */
export function eventCountsByFormAndType(db: Database, tenantId: string) {
  return db
    .select({ form: events.form, type: events.type, count: sql<number>`COUNT(*)` })
    .from(events)
    .where(eq(events.tenantId, tenantId))
    .groupBy(events.form, events.type);
}
