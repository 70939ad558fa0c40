/**
 * Attachment fields of records (AR multipart entry writes): which stored object holds the bytes a record field
 * names. One row per upload, keyed by the record version that set it, so every event of the record finds the
 * bytes its own version named (the newest row at or below the event's version). Owned by records/attachments.
 */
import { sqliteTable, text, integer, primaryKey, index } from "drizzle-orm/sqlite-core";
import { tenantIdColumn, createdAtColumn } from "./columns";

export const recordAttachments = sqliteTable(
  "record_attachments",
  {
    tenantId: tenantIdColumn(),
    form: text("form").notNull(),
    recordId: text("record_id").notNull(),
    field: text("field").notNull(),
    /** The record version whose change set this attachment. */
    version: integer("version").notNull(),
    /** The object's key in the ATTACHMENTS bucket; internal, never shown by an API. */
    objectKey: text("object_key").notNull(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    /** SHA-256 of the bytes, hex. */
    sha256: text("sha256").notNull(),
    createdAt: createdAtColumn(),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.form, table.recordId, table.field, table.version] }),
    // Retention walks a tenant's oldest uploads first, looking for replaced ones.
    index("record_attachments_created").on(table.tenantId, table.createdAt),
  ],
);

export type StoredAttachment = typeof recordAttachments.$inferSelect;
