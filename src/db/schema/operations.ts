/**
 * Operational webhooks: where a tenant (or the operator, platform-wide) wants to hear about failures of its
 * deliveries (control plane), and the recent operational events themselves (data plane, on the tenant's shard,
 * written by the tenant's delivery object and pruned by the retention pass).
 */
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { idColumn, tenantIdColumn, timestampColumns } from "./columns";
import type { PreviousSigningSecret } from "./subscriptions";

export const operationalEventTypes = [
  "delivery.dead_lettered",
  "stream.blocked",
  "subscription.disabled",
  "subscription.circuit_opened",
  "subscription.recovered",
  "lifecycle_hook.failed",
] as const;
export type OperationalEventType = (typeof operationalEventTypes)[number];

/** The owner of the platform-wide operational webhook (the operator's); every other owner is a tenant id. */
export const PLATFORM_OWNER = "platform";

export const operationalWebhooks = sqliteTable("operational_webhooks", {
  /** The tenant's id, or PLATFORM_OWNER for the operator's platform-wide webhook: one per owner. */
  owner: text("owner").primaryKey(),
  url: text("url").notNull(),
  /** The event types sent; null: all of them. */
  events: text("events", { mode: "json" }).$type<OperationalEventType[] | null>(),
  /** The current Standard Webhooks secret (`whsec_…`), sealed in KV. */
  signingSecretRef: text("signing_secret_ref").notNull(),
  /** Secrets a rotation replaced, each still signing until its expiry. */
  previousSigningSecrets: text("previous_signing_secrets", { mode: "json" }).$type<PreviousSigningSecret[]>().notNull().default([]),
  ...timestampColumns(),
});

export type OperationalWebhook = typeof operationalWebhooks.$inferSelect;

export const operationalEvents = sqliteTable(
  "operational_events",
  {
    id: idColumn(),
    tenantId: tenantIdColumn(),
    type: text("type").$type<OperationalEventType>().notNull(),
    /** When the engine learnt of it (epoch ms). */
    occurredAt: integer("occurred_at").notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  },
  (table) => [index("operational_events_tenant_time").on(table.tenantId, table.occurredAt)],
);

export type OperationalEventRow = typeof operationalEvents.$inferSelect;
