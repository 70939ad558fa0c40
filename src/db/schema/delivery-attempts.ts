/**
 * The delivery attempt log (D1): one row per outbound attempt, written in batches by the TenantDelivery
 * object. Holds the outcome, never credentials: only the first 1 KiB of the receiver's response body.
 */
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { idColumn, tenantIdColumn } from "./columns";

export const deliveryAttempts = sqliteTable(
  "delivery_attempts",
  {
    id: idColumn(),
    tenantId: tenantIdColumn(),
    deliveryId: text("delivery_id").notNull(),
    subscriptionId: text("subscription_id").notNull(),
    eventSeq: integer("event_seq").notNull(),
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    statusCode: integer("status_code"),
    error: text("error"),
    responseExcerpt: text("response_excerpt"),
  },
  (table) => [
    index("delivery_attempts_delivery").on(table.tenantId, table.deliveryId),
    index("delivery_attempts_time").on(table.tenantId, table.startedAt),
  ],
);

export type DeliveryAttempt = typeof deliveryAttempts.$inferSelect;
