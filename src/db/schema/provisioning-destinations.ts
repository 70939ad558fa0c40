/**
 * Provisioning destinations (seed 000 "Provisioning Destination"): one per HR system a tenant connects.
 * Its id is the `{plugin_id}` in the three HR webhook URLs; deleting it makes those URLs answer 404.
 */
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { idColumn, tenantIdColumn, createdAtColumn } from "./columns";

export const provisioningTypes = ["generic", "paylocity"] as const;
export type ProvisioningType = (typeof provisioningTypes)[number];

export const provisioningDestinations = sqliteTable(
  "provisioning_destinations",
  {
    id: idColumn(),
    tenantId: tenantIdColumn(),
    name: text("name").notNull(),
    type: text("type", { enum: provisioningTypes }).notNull(),
    form: text("form").notNull().default("User"),
    createdAt: createdAtColumn(),
    deletedAt: integer("deleted_at"),
  },
  (table) => [index("provisioning_destinations_tenant").on(table.tenantId)],
);

export type ProvisioningDestination = typeof provisioningDestinations.$inferSelect;
