/**
 * Retention of the records module's history: events every delivery cursor has passed, once older than the
 * tenant's retention. Records themselves and their external keys stay: they are the current state, not history.
 */
import { sql, type SQL } from "drizzle-orm";
import { deleteTallied, type PruneBatch, type Tally } from "../db/prune";
import type { Database } from "../db/client";
import { events } from "../db/schema";

/**
 * Deletes up to `limit` of the tenant's oldest events that are older than `before` and at or below
 * `deliveredThrough` (the delivery cursor: an event it has not passed is still owed to someone); `tally` keeps what
 * they counted in the same batch. It looks at the
 * `limit` oldest events by seq only, so the statement stays bounded however long the history.
 */
export function pruneEvents(db: Database, batch: PruneBatch & { deliveredThrough: number }, tally: Tally): Promise<number> {
  // seq counts per tenant: the tenant filter belongs on the DELETE too, not only on the subquery.
  const rows = sql`${events.tenantId} = ${batch.tenantId} AND ${events.seq} IN (
          SELECT ${events.seq} FROM ${events} WHERE ${events.tenantId} = ${batch.tenantId} AND ${events.seq} <= ${batch.deliveredThrough}
          ORDER BY ${events.seq} LIMIT ${batch.limit})
        AND ${events.createdAt} < ${batch.before}`;
  // Counted per form and type, as eventCountsByFormAndType counts them.
  const counts = (selected: SQL) => sql`SELECT json_object('form', ${events.form}, 'type', ${events.type}) AS labels, 1 AS n FROM ${events} WHERE ${selected}`;
  return deleteTallied(db, events, rows, { counts, into: tally });
}
