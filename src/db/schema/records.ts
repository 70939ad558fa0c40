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

/** What a change does to a record's values: the events subscriptions (AR entry events) can ask for. */
export const recordEventTypes = ["create", "update", "merge", "delete", "archive"] as const;
export type RecordEventType = (typeof recordEventTypes)[number];

/**
 * What happens to a user without changing its values (lifecycle hooks, seed 001): a password change, an
 * application provisioning requested and its reported result. Their data is `{user, ...}`, never a secret
 * (a password rides as the reference of its sealed value); only the tenant's lifecycle hooks receive them.
 */
export const userEventTypes = ["password", "provision", "provision_result"] as const;
export type UserEventType = (typeof userEventTypes)[number];

export const eventTypes = [...recordEventTypes, ...userEventTypes] as const;
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
    /** Who made the change (`api_key:{id}`, `service_account:{id}`, ...; `$USER$` in a qualification); null when no principal did. */
    actor: text("actor"),
    /** An update's changed fields as they were before it (`'DB.Field'`); null on other events. */
    previous: text("previous", { mode: "json" }).$type<RecordData>(),
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
