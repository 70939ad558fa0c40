/**
 * Attachment storage: the bytes in the ATTACHMENTS bucket (R2), and which upload each record version names in
 * `record_attachments` (D1), the one table this module owns. Uploads are written before the change that names
 * them commits; their rows commit in the change's own batch, so a row exists if and only if its change did.
 */
import { and, asc, desc, eq, lt, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { recordAttachments, records, type StoredAttachment } from "../db/schema";
import type { PruneBatch } from "../db/prune";
import { toHex } from "../runtime/crypto";
import { logLine } from "../runtime/log";
import { abortUnlessOneRowChanged, type SQLRecordId } from "./record-writes";
import { attachmentObjectKey, attachmentShapedFields, isTenantObjectKey, namedAttachments, type Upload } from "./attachments";
import type { RecordData } from "../db/schema";
import { findRecord } from "./store";

/** The bucket attachment bytes are kept in (the ATTACHMENTS binding). */
export type AttachmentBucket = R2Bucket;

/** An upload whose bytes are in the bucket, not yet named by any record. */
export interface StoredUpload extends Upload {
  objectKey: string;
  sha256: string;
}

/** R2 deletes at most this many keys per call. */
const DELETE_CHUNK = 1000;

/** Writes each upload's bytes to the bucket under the tenant; if one fails, the ones already written are removed. */
export async function putUploads(bucket: AttachmentBucket, tenantId: string, form: string, uploads: readonly Upload[]): Promise<StoredUpload[]> {
  const stored: StoredUpload[] = [];
  try {
    for (const upload of uploads) {
      const sha256 = toHex(await crypto.subtle.digest("SHA-256", upload.bytes));
      const objectKey = attachmentObjectKey(tenantId, form, upload.field, crypto.randomUUID());
      // R2 checks the digest on arrival: what is stored is exactly what was uploaded.
      await bucket.put(objectKey, upload.bytes, { httpMetadata: { contentType: upload.contentType }, sha256 });
      stored.push({ ...upload, objectKey, sha256 });
    }
    return stored;
  } catch (error) {
    await deleteObjectsBestEffort(bucket, stored.map((upload) => upload.objectKey), "attachment_put_failed");
    throw error;
  }
}

/**
 * The rows naming `uploads` from the record version this batch writes, for the change's batch: each copies the
 * record's key and version from the row the change just wrote, and the batch aborts unless it found that row.
 */
export function uploadRows(db: Database, tenantId: string, form: string, recordId: SQLRecordId, uploads: readonly StoredUpload[], now: number): BatchItem<"sqlite">[] {
  return uploads.flatMap((upload) => [
    db.insert(recordAttachments).select(
      db
        .select({
          // Columns in table order, as drizzle's INSERT ... SELECT requires.
          tenantId: records.tenantId,
          form: records.form,
          recordId: sql<string>`${records.id}`.as("record_id"),
          field: sql<string>`${upload.field}`.as("field"),
          version: records.version,
          objectKey: sql<string>`${upload.objectKey}`.as("object_key"),
          name: sql<string>`${upload.name}`.as("name"),
          contentType: sql<string>`${upload.contentType}`.as("content_type"),
          sizeBytes: sql<number>`${upload.bytes.byteLength}`.as("size_bytes"),
          sha256: sql<string>`${upload.sha256}`.as("sha256"),
          createdAt: sql<number>`${now}`.as("created_at"),
        })
        .from(records)
        .where(and(eq(records.tenantId, tenantId), eq(records.form, form), sql`${records.id} = ${recordId}`)),
    ),
    abortUnlessOneRowChanged(db),
  ]);
}

/** Deletes objects, logging instead of throwing: for orphans of a change that did not commit. True when all went. */
export async function deleteObjectsBestEffort(bucket: AttachmentBucket, keys: readonly string[], reason: string): Promise<boolean> {
  try {
    await deleteObjects(bucket, keys);
    return true;
  } catch (error) {
    logLine("error", "attachment_orphans_left", { reason, objects: keys.length, error: String(error) });
    return false;
  }
}

export async function deleteObjects(bucket: AttachmentBucket, keys: readonly string[]): Promise<void> {
  for (let start = 0; start < keys.length; start += DELETE_CHUNK) await bucket.delete(keys.slice(start, start + DELETE_CHUNK));
}

export interface RecordVersion {
  tenantId: string;
  form: string;
  recordId: string;
  version: number;
  data: Readonly<RecordData>;
}

/**
 * The stored uploads a version of a record names, by field (see namedAttachments()). No query at all when no
 * value has an attachment's shape, so events without attachments cost nothing.
 */
export async function attachmentsOfVersion(db: Database, at: RecordVersion): Promise<Map<string, StoredAttachment>> {
  if (attachmentShapedFields(at.data).length === 0) return new Map();
  const rows = await db
    .select()
    .from(recordAttachments)
    .where(
      and(
        eq(recordAttachments.tenantId, at.tenantId),
        eq(recordAttachments.form, at.form),
        eq(recordAttachments.recordId, at.recordId),
        lte(recordAttachments.version, at.version),
      ),
    )
    .orderBy(desc(recordAttachments.version))
    .all();
  return namedAttachments(at.data, rows);
}

/** The bytes of a stored upload, or null when the object is gone. Never reads outside the tenant's prefix. */
export async function openAttachment(bucket: AttachmentBucket, tenantId: string, objectKey: string): Promise<R2ObjectBody | null> {
  if (!isTenantObjectKey(tenantId, objectKey)) return null;
  return bucket.get(objectKey);
}

const ofRecord = (tenantId: string, form: string, recordId: string) =>
  and(eq(recordAttachments.tenantId, tenantId), eq(recordAttachments.form, form), eq(recordAttachments.recordId, recordId));

/** Every object key a record's uploads use (erasure deletes them before the rows). */
export async function recordObjectKeys(db: Database, tenantId: string, form: string, recordId: string): Promise<string[]> {
  const rows = await db.select({ objectKey: recordAttachments.objectKey }).from(recordAttachments).where(ofRecord(tenantId, form, recordId)).all();
  return rows.map((row) => row.objectKey);
}

/** The statement, for erasure's batch, that removes a record's rows and returns their object keys. */
export const deleteRecordUploadRows = (db: Database, tenantId: string, form: string, recordId: string) =>
  db.delete(recordAttachments).where(ofRecord(tenantId, form, recordId)).returning({ objectKey: recordAttachments.objectKey });

/**
 * Retention: uploads replaced by a newer upload to the same field before `before` (the events that named them
 * are older still, so past the tenant's retention): up to `limit` of them, their objects deleted first, then
 * their rows. Returns how many went. An upload still named by its record (the newest of its field) is never pruned.
 */
export async function pruneReplacedUploads(db: Database, bucket: AttachmentBucket, batch: PruneBatch): Promise<number> {
  const newer = sql`SELECT 1 FROM ${recordAttachments} AS n WHERE n.tenant_id = ${recordAttachments.tenantId} AND n.form = ${recordAttachments.form}
    AND n.record_id = ${recordAttachments.recordId} AND n.field = ${recordAttachments.field} AND n.version > ${recordAttachments.version}
    AND n.created_at < ${batch.before}`;
  const replaced = await db
    .select({ form: recordAttachments.form, recordId: recordAttachments.recordId, field: recordAttachments.field, version: recordAttachments.version, objectKey: recordAttachments.objectKey })
    .from(recordAttachments)
    // A replaced upload is older than what replaced it: only uploads from before `before` can qualify.
    .where(and(eq(recordAttachments.tenantId, batch.tenantId), lt(recordAttachments.createdAt, batch.before), sql`EXISTS (${newer})`))
    .orderBy(asc(recordAttachments.createdAt))
    .limit(batch.limit)
    .all();
  if (replaced.length === 0) return 0;
  await deleteObjects(bucket, replaced.map((row) => row.objectKey).filter((key) => isTenantObjectKey(batch.tenantId, key)));
  const [first, ...rest] = replaced.map((row) =>
    db.delete(recordAttachments).where(and(ofRecord(batch.tenantId, row.form, row.recordId), eq(recordAttachments.field, row.field), eq(recordAttachments.version, row.version))),
  );
  await db.batch([first!, ...rest]);
  return replaced.length;
}

export interface OpenedAttachment {
  attachment: StoredAttachment;
  object: R2ObjectBody;
}

/**
 * The file a live record's field names now, with its bytes; null when there is no such record, the field holds
 * no attachment, or its bytes are gone. Reads the record's version first and the uploads at or below it, so a
 * write committing in between never pairs one upload's bytes with another's name.
 */
export async function openRecordAttachment(
  db: Database,
  bucket: AttachmentBucket,
  at: { tenantId: string; form: string; recordId: string; field: string },
): Promise<OpenedAttachment | null> {
  const record = await findRecord(db, at.tenantId, at.form, at.recordId);
  if (!record || record.deletedAt !== null || !Object.hasOwn(record.data, at.field)) return null;
  const named = await attachmentsOfVersion(db, { ...at, version: record.version, data: { [at.field]: record.data[at.field] } });
  const attachment = named.get(at.field);
  const object = attachment ? await openAttachment(bucket, at.tenantId, attachment.objectKey) : null;
  return attachment && object ? { attachment, object } : null;
}
