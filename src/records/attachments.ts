/**
 * Attachment fields of records, the pure part: the value a record field holds for a stored file
 * (`{"name":"sample.png","sizeBytes":2048}`, AR's shape), the key its bytes are stored under, its download
 * URL, and which stored upload an event's values name. The storage itself is attachment-store.ts.
 */
import type { RecordData, StoredAttachment } from "../db/schema";

/** What a record field holds for an attachment; the bytes live in the ATTACHMENTS bucket, found through D1. */
export interface AttachmentValue {
  name: string;
  sizeBytes: number;
}

/** One file of a write: the field it goes to, its file name, its declared content type, its bytes. */
export interface Upload {
  field: string;
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

export const attachmentValue = (upload: { name: string; bytes: Uint8Array }): AttachmentValue => ({ name: upload.name, sizeBytes: upload.bytes.byteLength });

/** The value as an attachment value: an object with exactly a string `name` and an integer `sizeBytes`; otherwise null. */
export function asAttachmentValue(value: unknown): AttachmentValue | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 2) return null;
  const { name, sizeBytes } = value as Record<string, unknown>;
  if (typeof name !== "string" || typeof sizeBytes !== "number" || !Number.isInteger(sizeBytes) || sizeBytes < 0) return null;
  return { name, sizeBytes };
}

/** Fields whose value has an attachment's shape: the only ones worth looking up in storage. */
export const attachmentShapedFields = (data: Readonly<RecordData>): string[] => Object.keys(data).filter((field) => asAttachmentValue(data[field]) !== null);

/**
 * The object key of one upload: under the tenant (so one prefix holds a tenant's files), the form and the field,
 * named by a random id. The record id is not in it: a create's id is assigned in its commit batch, after the
 * bytes must already be stored. Parts are URI-encoded, so a `/` in a form or field name cannot shift them.
 */
export const attachmentObjectKey = (tenantId: string, form: string, field: string, uploadId: string): string =>
  `${tenantId}/${encodeURIComponent(form)}/${encodeURIComponent(field)}/${uploadId}`;

/** True when the key lies under the tenant's prefix: no read or delete ever follows a key outside it. */
export const isTenantObjectKey = (tenantId: string, key: string): boolean => key.startsWith(`${tenantId}/`);

/** The attachment's download URL (the AR entry API's `…/attach/{field}` route) under the tenant's base URL. */
export const attachmentUrl = (tenantBaseUrl: string, form: string, entryId: string, field: string): string =>
  `${tenantBaseUrl}/api/arsys/v1.0/entry/${encodeURIComponent(form)}/${encodeURIComponent(entryId)}/attach/${encodeURIComponent(field)}`;

/**
 * The stored uploads a version of a record names, by field. `rows` are the record's uploads at or below that
 * version, newest first. A field counts as an attachment when its value is the one its newest upload set (same
 * name and size): a later JSON write that put another value there leaves a plain value, not a stale file.
 */
export function namedAttachments(data: Readonly<RecordData>, rows: readonly StoredAttachment[]): Map<string, StoredAttachment> {
  const newest = new Map<string, StoredAttachment>();
  for (const row of rows) if (!newest.has(row.field)) newest.set(row.field, row);
  const named = new Map<string, StoredAttachment>();
  for (const [field, row] of newest) {
    const value = asAttachmentValue(data[field]);
    if (value && value.name === row.name && value.sizeBytes === row.sizeBytes) named.set(field, row);
  }
  return named;
}

/**
 * A file name safe in a quoted header parameter: no quotes, backslashes or control characters (which would
 * break out of `filename="…"`); the exact name travels in `filename*` where a header allows it.
 */
export const quotableFileName = (name: string): string => name.replace(/["\\\u0000-\u001f\u007f]/g, "_");
