/**
 * The forms a tenant has written records on, by name ignoring case: a form's name is unique per tenant ignoring
 * case, and the first spelling written is the one every record, event and URL uses (`HPD:Help Desk`, whether a
 * client later sends `HPD:HELP DESK` or a thin event's upper-cased `entityType`). On the tenant's shard.
 */
import { sqliteTable, text, primaryKey } from "drizzle-orm/sqlite-core";
import { tenantIdColumn, createdAtColumn } from "./columns";

export const forms = sqliteTable(
  "forms",
  {
    tenantId: tenantIdColumn(),
    /** The name with ASCII letters lower-cased (SQLite's lower()), so the migration can fill it from records. */
    nameKey: text("name_key").notNull(),
    name: text("name").notNull(),
    createdAt: createdAtColumn(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.nameKey] })],
);
