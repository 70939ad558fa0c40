/**
 * The record store (docs/ARCHITECTURE.md, "The model"): records on forms, the per-tenant id sequences that name them,
 * and the events outbox every change appends to, ordered by seq.
 */
import { sqliteTable, text, integer, primaryKey, index } from "drizzle-orm/sqlite-core";
import { tenantIdColumn, createdAtColumn, timestampColumns } from "./columns";

export type RecordData = Record<string, unknown>;

export const records = sqliteTable(
  "records",
  {
    tenantId: tenantIdColumn(),
    form: text("form").notNull(),
    id: text("id").notNull(),
    data: text("data", { mode: "json" }).$type<RecordData>().notNull(),
    version: integer("version").notNull(),
    ...timestampColumns(),
    deletedAt: integer("deleted_at"),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.form, table.id] })],
);

/** Per-tenant counters behind sequential ids (TKT000000000042, WBH000000000101, ...). */
export const sequences = sqliteTable(
  "sequences",
  {
    tenantId: tenantIdColumn(),
    name: text("name").notNull(),
    value: integer("value").notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.name] })],
);

export const eventTypes = ["create", "update", "merge", "delete", "archive"] as const;
export type EventType = (typeof eventTypes)[number];

export const events = sqliteTable(
  "events",
  {
    /** Counts per tenant from 1 (the tenant's `event` sequence, bumped in the change's batch): no tenant can read another's volume. */
    seq: integer("seq").notNull(),
    tenantId: tenantIdColumn(),
    form: text("form").notNull(),
    recordId: text("record_id").notNull(),
    type: text("type", { enum: eventTypes }).notNull(),
    changedFields: text("changed_fields", { mode: "json" }).$type<string[]>().notNull(),
    data: text("data", { mode: "json" }).$type<RecordData>().notNull(),
    version: integer("version").notNull(),
    source: text("source").notNull(),
    createdAt: createdAtColumn(),
    /** When the record was erased (GDPR): the event stays, in its place, with no field values (a tombstone). */
    erasedAt: integer("erased_at"),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.seq] }),
    // Erasure finds every event of one record by a seek, not by a scan of the tenant's history.
    index("events_record").on(table.tenantId, table.form, table.recordId),
  ],
);

export type StoredRecord = typeof records.$inferSelect;
export type StoredEvent = typeof events.$inferSelect;

/**
 * A mirror of each TenantDelivery object's cursor, written by the object after it advances, and of when its
 * earliest open delivery is due (null: nothing to send). The sweeper compares the cursor with the newest event
 * seq to find tenants whose delivery lags, and the due time with the clock to find tenants whose alarm was lost.
 */
export const deliveryCursors = sqliteTable(
  "delivery_cursors",
  {
    tenantId: text("tenant_id").primaryKey(),
    seq: integer("seq").notNull(),
    updatedAt: integer("updated_at").notNull(),
    nextDueAt: integer("next_due_at"),
  },
  (table) => [index("delivery_cursors_next_due").on(table.nextDueAt)],
);
