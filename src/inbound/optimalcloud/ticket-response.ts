/** The 201 body of the TICKETS webhooks: the ticket id, its records-API URL and the event it appended. */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import type { RecordChange } from "../../records/commit-change";
import { recordUrl } from "../../records/record-view";
import { isoTime } from "../../http/openapi-app";
import { tenantBaseUrl } from "../../tenancy/tenant-url";

export const ticketCreatedSchema = z
  .object({
    id: z.string(),
    form: z.string(),
    version: z.number().int(),
    url: z.string(),
    eventSeq: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi("TicketCreated");

export function ticketCreatedBody(c: Context<AppEnv>, change: RecordChange): z.infer<typeof ticketCreatedSchema> {
  const { record } = change;
  return {
    id: record.id,
    form: record.form,
    version: record.version,
    url: recordUrl(tenantBaseUrl(c), record.form, record.id),
    eventSeq: change.event?.seq ?? null,
    createdAt: isoTime(record.createdAt),
  };
}
