/** Tenants: the unit of isolation. Every other table carries tenant_id. */
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

export const tenantStatuses = ["active", "suspended"] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  status: text("status", { enum: tenantStatuses }).notNull().default("active"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export type Tenant = typeof tenants.$inferSelect;
