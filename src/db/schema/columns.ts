/**
 * Column builders most tables share, so each table states only the columns that are its own.
 * Each call makes a fresh builder: drizzle binds a builder to the one table it is declared in.
 */
import { integer, text } from "drizzle-orm/sqlite-core";

/** A row's own text id, its primary key. */
export const idColumn = () => text("id").primaryKey();

/** The tenant a row belongs to: every table but `tenants` carries it. */
export const tenantIdColumn = () => text("tenant_id").notNull();

/** When the row was written (epoch milliseconds). */
export const createdAtColumn = () => integer("created_at").notNull();

/** `created_at` and `updated_at` (epoch milliseconds), for rows that change after they are written. */
export const timestampColumns = () => ({
  createdAt: createdAtColumn(),
  updatedAt: integer("updated_at").notNull(),
});
