/**
 * Retention of the records module's history: events every delivery cursor has passed, once older than the
 * tenant's retention. Records themselves and their external keys stay: they are the current state, not history.
 */
import { sql } from "drizzle-orm";
import { deletedRows, type PruneBatch } from "../db/prune";
import type { Database } from "../db/client";
import { events } from "../db/schema";

/**
 * Deletes up to `limit` of the tenant's oldest events that are older than `before` and at or below
 * `deliveredThrough` (the delivery cursor: an event it has not passed is still owed to someone). It looks at the
 * `limit` oldest events by seq only, so the statement stays bounded however long the history.
 */
export function pruneEvents(db: Database, batch: PruneBatch & { deliveredThrough: number }): Promise<number> {
  return deletedRows(
    db,
    // seq counts per tenant: the tenant filter belongs on the DELETE too, not only on the subquery.
    sql`DELETE FROM ${events} WHERE ${events.tenantId} = ${batch.tenantId} AND ${events.seq} IN (
          SELECT ${events.seq} FROM ${events} WHERE ${events.tenantId} = ${batch.tenantId} AND ${events.seq} <= ${batch.deliveredThrough}
          ORDER BY ${events.seq} LIMIT ${batch.limit})
        AND ${events.createdAt} < ${batch.before}`,
  );
}
