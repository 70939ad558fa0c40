/**
 * Reads of the record store: one record, a form's records in id order, the tenant's event feed in commit
 * order. Writes go through commitChange() (commit-change.ts), never from here.
 */
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { events, records, type StoredRecord } from "../db/schema";

export async function findRecord(db: Database, tenantId: string, form: string, id: string): Promise<StoredRecord | null> {
  const row = await db
    .select()
    .from(records)
    .where(and(eq(records.tenantId, tenantId), eq(records.form, form), eq(records.id, id)))
    .get();
  return row ?? null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export async function listRecords(
  db: Database,
  tenantId: string,
  form: string,
  options: { limit: number; after?: string; offset?: number; includeDeleted?: boolean },
): Promise<Page<StoredRecord>> {
  const rows = await db
    .select()
    .from(records)
    .where(
      and(
        eq(records.tenantId, tenantId),
        eq(records.form, form),
        options.after === undefined ? undefined : gt(records.id, options.after),
        options.includeDeleted ? undefined : isNull(records.deletedAt),
      ),
    )
    .orderBy(asc(records.id))
    .limit(options.limit + 1)
    .offset(options.offset ?? 0)
    .all();
  const items = rows.slice(0, options.limit);
  return { items, nextCursor: rows.length > options.limit ? items[items.length - 1]!.id : null };
}

export async function listEvents(db: Database, tenantId: string, options: { after: number; limit: number }) {
  return db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), gt(events.seq, options.after)))
    .orderBy(asc(events.seq))
    .limit(options.limit)
    .all();
}
