/**
 * The recent operational events of each tenant (data plane: the tenant's shard): written by the tenant's delivery
 * object whether or not an operational webhook is configured, listed newest first for the portal's alerts page,
 * and pruned by the retention pass like the delivery attempt log.
 */
import { desc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { operationalEvents, type OperationalEventRow, type OperationalEventType } from "../db/schema";
import { deleteOldest, type PruneBatch } from "../db/prune";

/** One operational event as the engine raised it. */
export interface OperationalEvent {
  id: string;
  tenantId: string;
  type: OperationalEventType;
  occurredAt: number;
  data: Record<string, unknown>;
}

/** D1 binds at most 100 parameters per statement: 5 columns a row. */
const ROWS_PER_INSERT = 20;

/** Stores the events (a retry after a failed write is harmless: the ids are fixed when the event is raised). */
export async function recordOperationalEvents(db: Database, events: readonly OperationalEvent[]): Promise<void> {
  const inserts = [];
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    inserts.push(db.insert(operationalEvents).values(events.slice(start, start + ROWS_PER_INSERT)).onConflictDoNothing());
  }
  const [first, ...rest] = inserts;
  if (first) await db.batch([first, ...rest]);
}

/** The tenant's newest `limit` events, newest first (rows of one millisecond in the order they were written, reversed). */
export function listOperationalEvents(db: Database, tenantId: string, limit: number): Promise<OperationalEventRow[]> {
  return db
    .select()
    .from(operationalEvents)
    .where(eq(operationalEvents.tenantId, tenantId))
    .orderBy(desc(operationalEvents.occurredAt), desc(sql`rowid`))
    .limit(limit);
}

/** Retention: one bounded batch of the tenant's events older than the batch's cut-off. */
export const pruneOperationalEvents = (db: Database, batch: PruneBatch): Promise<number> =>
  deleteOldest(db, operationalEvents, { tenant: operationalEvents.tenantId, time: operationalEvents.occurredAt }, batch);
