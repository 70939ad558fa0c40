/** Tenants: the unit of isolation. Every other table carries tenant_id. */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { idColumn, timestampColumns } from "./columns";

export const tenantStatuses = ["active", "suspended"] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

export const tenants = sqliteTable("tenants", {
  id: idColumn(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  status: text("status", { enum: tenantStatuses }).notNull().default("active"),
  ...timestampColumns(),
});

export type Tenant = typeof tenants.$inferSelect;
