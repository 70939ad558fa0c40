/**
 * The forms a tenant has written records on, by name ignoring case: a form's name is unique per tenant ignoring
 * case, and the first spelling written is the one every record, event and URL uses (`HPD:Help Desk`, whether a
 * client later sends `HPD:HELP DESK` or a thin event's upper-cased `entityType`). A form may also carry its
 * definition (its fields: id, name, type, selection options); without one it stays schemaless. On the tenant's shard.
 */
import { sqliteTable, text, integer, primaryKey } from "drizzle-orm/sqlite-core";
import { tenantIdColumn, createdAtColumn } from "./columns";

export const formFieldTypes = ["character", "integer", "decimal", "date", "time", "selection", "attachment"] as const;
export type FormFieldType = (typeof formFieldTypes)[number];

/** One field of a form definition, as stored (validated by records/form-fields.ts before it is written). */
export interface FormField {
  id: number;
  name: string;
  type: FormFieldType;
  /** Selection fields only: label by index (`{"0":"New","1":"Assigned"}`). */
  options?: Record<string, string>;
}

export const forms = sqliteTable(
  "forms",
  {
    tenantId: tenantIdColumn(),
    /** The name with ASCII letters lower-cased (SQLite's lower()), so the migration can fill it from records. */
    nameKey: text("name_key").notNull(),
    name: text("name").notNull(),
    createdAt: createdAtColumn(),
    /** The form's definition; null while the form is schemaless. */
    fields: text("fields", { mode: "json" }).$type<FormField[]>(),
    /** When the definition was last written (epoch milliseconds); null without one. */
    fieldsUpdatedAt: integer("fields_updated_at"),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.nameKey] })],
);
