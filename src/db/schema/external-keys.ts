/**
 * External keys and idempotency. `record_keys` maps a vendor's own identifier (ServiceNow sys_id, an HR
 * employee_id within one provisioning destination) to the record it created, unique per tenant and scope,
 * so a repeated delivery finds its record instead of creating a second one. `idempotency_keys` remembers which
 * record an `Idempotency-Key` request created, for 24 hours.
 */
import { index, sqliteTable, text, primaryKey } from "drizzle-orm/sqlite-core";
import { tenantIdColumn, createdAtColumn } from "./columns";

/** A vendor's or a caller's key, unique per tenant and scope (both tables' primary key). */
const scopedKeyColumns = () => ({
  tenantId: tenantIdColumn(),
  /** Whose key this is: the vendor or destination it came from, e.g. `servicenow` or `hr:<plugin_id>`. */
  scope: text("scope").notNull(),
  key: text("key").notNull(),
});

/** The record the key led to when it was first seen, and when. */
const createdRecordColumns = () => ({
  form: text("form").notNull(),
  recordId: text("record_id").notNull(),
  createdAt: createdAtColumn(),
});

export const recordKeys = sqliteTable("record_keys", { ...scopedKeyColumns(), ...createdRecordColumns() }, (table) => [
  primaryKey({ columns: [table.tenantId, table.scope, table.key] }),
]);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    ...scopedKeyColumns(),
    /** SHA-256 of the request body: the same key with another body is a conflict, not a replay. */
    requestHash: text("request_hash").notNull(),
    ...createdRecordColumns(),
  },
  // Pruned by age (retention), oldest first.
  (table) => [primaryKey({ columns: [table.tenantId, table.scope, table.key] }), index("idempotency_keys_tenant_time").on(table.tenantId, table.createdAt)],
);
