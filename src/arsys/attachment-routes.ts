/**
 * AR System attachment download (seed 003's entry API): the bytes of the file an entry's attachment field
 * names, as uploaded. 404 in AR's error array when the entry, the field or its file does not exist; a tenant
 * only ever reaches its own entries, so another tenant's key never reads a byte.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { authenticate } from "../auth/authenticate";
import { fieldNameOn } from "../records/form-definitions";
import { AppError } from "../runtime/errors";
import { FORM_NAME_PATTERN } from "../records/record-ids";
import { resolveFormName } from "../records/form-names";
import { openRecordAttachment } from "../records/attachment-store";
import { quotableFileName } from "../records/attachments";

const params = z.object({
  formName: z.string().regex(FORM_NAME_PATTERN, "is not a form name"),
  entryId: z.string().min(1).max(64),
  fieldName: z.string().min(1).max(254),
});

const download = createRoute({
  method: "get",
  path: "/api/arsys/v1.0/entry/{formName}/{entryId}/attach/{fieldName}",
  operationId: "getEntryAttachment",
  summary: "Download an entry's attachment (AR System)",
  middleware: [authenticate({ scope: "api" })],
  request: { params },
  responses: {
    200: {
      description: "The file's bytes as uploaded; Content-Disposition carries its name",
      content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
    },
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

/** `attachment; filename="…"; filename*=UTF-8''…`: the plain name for every client, the exact one (RFC 6266/5987) for most. */
const contentDisposition = (name: string): string => `attachment; filename="${quotableFileName(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`;

export const attachmentRoutes = newRouter().openapi(download, async (c) => {
  const { entryId, fieldName } = c.req.valid("param");
  const tenantId = c.get("tenant").id;
  const form = await resolveFormName(c.get("data"), tenantId, c.req.valid("param").formName);
  // On a defined form the field may be named by its id or in any case, as on writes.
  const field = await fieldNameOn(c.get("data"), tenantId, form, fieldName);
  const opened = await openRecordAttachment(c.get("data"), c.env.ATTACHMENTS, { tenantId, form, recordId: entryId, field });
  if (!opened) throw new AppError("NOT_FOUND", `No attachment in field '${fieldName}' of entry '${entryId}' on form '${form}'`);
  return c.body(opened.object.body, 200, {
    "Content-Type": opened.attachment.contentType,
    "Content-Length": String(opened.attachment.sizeBytes),
    "Content-Disposition": contentDisposition(opened.attachment.name),
    // Served as a download from the tenant's API host: never rendered, never sniffed into something else.
    "X-Content-Type-Options": "nosniff",
  });
});
