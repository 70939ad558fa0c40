/** The inbound request log: every vendor request, accepted or rejected, with its outcome (never credentials or bodies). */
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { idColumn, tenantIdColumn } from "./columns";

export const inboundRequests = sqliteTable(
  "inbound_requests",
  {
    id: idColumn(),
    tenantId: tenantIdColumn(),
    source: text("source").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    status: integer("status").notNull(),
    code: text("code"),
    error: text("error"),
    recordId: text("record_id"),
    durationMs: integer("duration_ms").notNull(),
    /** How many requests this row stands for: rejected anonymous requests are aggregated per minute. */
    count: integer("count").notNull().default(1),
    receivedAt: integer("received_at").notNull(),
  },
  (table) => [index("inbound_requests_tenant_time").on(table.tenantId, table.receivedAt)],
);

export type InboundRequest = typeof inboundRequests.$inferSelect;
