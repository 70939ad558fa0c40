/** Tenants: the unit of isolation. Every other table carries tenant_id. */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { idColumn, timestampColumns } from "./columns";

export const tenantStatuses = ["active", "suspended"] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

/** How long a tenant's history (events, logs, attempts, closed deliveries) is kept unless it says otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;
export const RETENTION_DAYS_RANGE = { min: 1, max: 3650 } as const;

export const tenants = sqliteTable(
  "tenants",
  {
    id: idColumn(),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    status: text("status", { enum: tenantStatuses }).notNull().default("active"),
    /** Days of history kept; the cron prunes what is older (never open work). */
    retentionDays: integer("retention_days").notNull().default(DEFAULT_RETENTION_DAYS),
    /** When the cron last pruned this tenant (null: never): the next run starts with the longest-waiting tenants. */
    prunedAt: integer("pruned_at"),
    /** Which data-plane database (binding SHARD_<n>) holds the tenant's records, events and logs (db/shards.ts). */
    shard: integer("shard").notNull().default(0),
    ...timestampColumns(),
  },
  (table) => [index("tenants_pruned_at").on(table.prunedAt), index("tenants_shard").on(table.shard)],
);

export type Tenant = typeof tenants.$inferSelect;
