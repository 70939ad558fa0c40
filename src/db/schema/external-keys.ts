/**
 * External keys and idempotency. `record_keys` maps a vendor's own identifier (ServiceNow sys_id, an HR
 * employee_id within one provisioning destination) to the record it created, unique per tenant and scope,
 * so a repeated delivery finds its record instead of creating a second one. `idempotency_keys` remembers which
 * record an `Idempotency-Key` request created, for 24 hours.
 */
import { sqliteTable, text, integer, primaryKey } from "drizzle-orm/sqlite-core";

export const recordKeys = sqliteTable(
  "record_keys",
  {
    tenantId: text("tenant_id").notNull(),
    /** Whose identifier this is, e.g. `servicenow` or `hr:<plugin_id>`. */
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    form: text("form").notNull(),
    recordId: text("record_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.scope, table.key] })],
);

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    tenantId: text("tenant_id").notNull(),
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of the request body: the same key with another body is a conflict, not a replay. */
    requestHash: text("request_hash").notNull(),
    /** The record the first request created; a replay answers from it. */
    form: text("form").notNull(),
    recordId: text("record_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.scope, table.key] })],
);
