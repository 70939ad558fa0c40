/**
 * The audit log: one row per management action (keys, subscriptions, secrets, hooks, destinations), with who
 * did it, when, on what, and what changed. Never a secret: secret fields appear only as "changed".
 */
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { idColumn, tenantIdColumn, createdAtColumn } from "./columns";

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: idColumn(),
    tenantId: tenantIdColumn(),
    /** Orders rows written in the same millisecond: newest first is (created_at, seq) descending. */
    seq: integer("seq").notNull(),
    /** `api_key`, `service_account`, `portal`, `admin`. */
    actorKind: text("actor_kind").notNull(),
    /** The key id, service account id, or the portal sign-in's account/email. */
    actorId: text("actor_id").notNull(),
    /** e.g. `api_key.created`, `subscription.updated`. */
    action: text("action").notNull(),
    targetKind: text("target_kind").notNull(),
    targetId: text("target_id").notNull(),
    /** What changed, as JSON (field names and new values; secrets only as "changed"). */
    changes: text("changes", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: createdAtColumn(),
  },
  (table) => [index("audit_log_tenant_time").on(table.tenantId, table.createdAt, table.seq)],
);

export type AuditLogRow = typeof auditLog.$inferSelect;
