/** How records and events look in the tenant API (the entity fetch that thin events point to). */
import { z } from "@hono/zod-openapi";
import type { StoredEvent, StoredRecord } from "../db/schema";
import { isoTime, isoTimeOrNull } from "../http/openapi-app";

export const recordView = z
  .object({
    id: z.string(),
    form: z.string(),
    version: z.number().int(),
    data: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
    deletedAt: z.string().nullable(),
  })
  .openapi("Record");

export const toRecordView = (record: StoredRecord): z.infer<typeof recordView> => ({
  id: record.id,
  form: record.form,
  version: record.version,
  data: record.data,
  createdAt: isoTime(record.createdAt),
  updatedAt: isoTime(record.updatedAt),
  deletedAt: isoTimeOrNull(record.deletedAt),
});

export const eventView = z
  .object({
    seq: z.number().int(),
    form: z.string(),
    recordId: z.string(),
    type: z.string(),
    changedFields: z.array(z.string()),
    data: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    source: z.string(),
    createdAt: z.string(),
    /** True for a tombstone: the record was erased, the event keeps its place and no field values. */
    erased: z.boolean(),
  })
  .openapi("Event");

export const toEventView = (event: StoredEvent): z.infer<typeof eventView> => ({
  seq: event.seq,
  form: event.form,
  recordId: event.recordId,
  type: event.type,
  changedFields: event.changedFields,
  data: event.data,
  version: event.version,
  source: event.source,
  createdAt: isoTime(event.createdAt),
  erased: event.erasedAt !== null,
});

/** The records-API URL of a record, absolute, under the tenant's base URL (tenancy/tenant-url.ts). */
export function recordUrl(tenantBaseUrl: string, form: string, id: string): string {
  return `${tenantBaseUrl}/api/v1/records/${encodeURIComponent(form)}/${encodeURIComponent(id)}`;
}
