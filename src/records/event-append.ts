/**
 * The statement that appends an event copied from a record row, inside the batch that writes (or guards) that
 * row: an INSERT … SELECT, so the event exists exactly when the row matched. drizzle needs the selected columns
 * in the events table's order; every event-writing statement goes through here, so a new column is added once.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../db/client";
import { events, records } from "../db/schema";
import { eventSeqExpression } from "./sequences";

export interface EventFromRecord {
  type: string;
  changedFields: readonly string[];
  source: string;
  /** The event's data; left out, the record's data as the batch wrote it. */
  data?: unknown;
  /** Left out, the record's updatedAt (the time of the write the event copies). */
  createdAt?: number;
  /** Who made the change ($USER$), where known. */
  actor?: string | null;
  /** The values the changed fields held before the change (DB.Field); null for events that change no values. */
  previous?: Record<string, unknown> | null;
}

export function appendEventFromRecord(db: Database, tenantId: string, event: EventFromRecord, where: SQL | undefined) {
  return db
    .insert(events)
    .select(
      db
        .select({
          // Columns in table order, as drizzle's INSERT ... SELECT requires.
          seq: sql<number>`${eventSeqExpression(tenantId)}`.as("seq"),
          tenantId: records.tenantId,
          form: records.form,
          recordId: records.id,
          type: sql`${event.type}`.as("type"),
          changedFields: sql`${JSON.stringify(event.changedFields)}`.as("changed_fields"),
          data: event.data === undefined ? records.data : sql`${JSON.stringify(event.data)}`.as("data"),
          version: records.version,
          source: sql`${event.source}`.as("source"),
          createdAt: event.createdAt === undefined ? records.updatedAt : sql<number>`${event.createdAt}`.as("created_at"),
          erasedAt: sql<number | null>`NULL`.as("erased_at"),
          actor: sql<string | null>`${event.actor ?? null}`.as("actor"),
          previous: sql<string | null>`${event.previous ? JSON.stringify(event.previous) : null}`.as("previous"),
        })
        .from(records)
        .where(where),
    )
    .returning({ seq: events.seq });
}
