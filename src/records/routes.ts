/** Tenant API: read records (GET one, list with cursor), erase one (GDPR), and the event feed in commit order. */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { authenticate } from "../auth/authenticate";
import { AppError } from "../runtime/errors";
import { findRecord, listEvents, listRecords } from "./store";
import { eventView, recordView, toEventView, toRecordView } from "./record-view";
import { FORM_NAME_PATTERN } from "./record-ids";
import { eraseRecord } from "./erasure";
import { resolveFormName } from "./form-names";
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";

/** The form the path names, in the spelling its records use: thin events name it upper-cased (`USER`). */
const formNamed = (c: Context<AppEnv>, name: string) => resolveFormName(c.get("data"), c.get("tenant").id, name);

const formParam = z.string().regex(FORM_NAME_PATTERN, "is not a form name");
const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

const getRecord = createRoute({
  method: "get",
  path: "/api/v1/records/{form}/{id}",
  operationId: "getRecord",
  summary: "Read one record",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { params: z.object({ form: formParam, id: z.string().min(1).max(64) }) },
  responses: {
    200: { description: "The record (soft-deleted ones too, with deletedAt)", content: { "application/json": { schema: recordView } } },
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

const listFormRecords = createRoute({
  method: "get",
  path: "/api/v1/records/{form}",
  operationId: "listRecords",
  summary: "List a form's live records",
  middleware: [authenticate({ scope: "api" })] as const,
  request: {
    params: z.object({ form: formParam }),
    query: z.object({ limit: limit(500, 50), cursor: z.string().min(1).max(64).optional() }),
  },
  responses: {
    200: {
      description: "Live records of the form, by id; pass nextCursor as cursor for the next page",
      content: { "application/json": { schema: z.object({ items: z.array(recordView), nextCursor: z.string().nullable() }) } },
    },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

const eraseOne = createRoute({
  method: "delete",
  path: "/api/v1/records/{form}/{id}",
  operationId: "eraseRecord",
  summary: "Erase a record and every value it held (GDPR)",
  middleware: [authenticate({ scope: "api" })] as const,
  description:
    "Erases the record (GDPR): it is gone, each of its events stays in the feed as a tombstone (erased: true, no field values, same seq), " +
    "its pending deliveries are skipped and the bodies and response excerpts kept of them removed. Requires erase=true; erasing again is a no-op.",
  request: {
    params: z.object({ form: formParam, id: z.string().min(1).max(64) }),
    query: z.object({ erase: z.literal("true", "must be true: this route erases the record and every value it held") }),
  },
  responses: {
    204: { description: "Erased" },
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

const eventFeed = createRoute({
  method: "get",
  path: "/api/v1/events",
  operationId: "listEvents",
  summary: "Read the event feed in commit order",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { query: z.object({ after: z.coerce.number().int().min(0).default(0), limit: limit(1000, 100) }) },
  responses: {
    200: {
      description: "The tenant's events with seq > after, in commit order; pass nextAfter as after for the next page",
      content: { "application/json": { schema: z.object({ items: z.array(eventView), nextAfter: z.number().int() }) } },
    },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

export const recordRoutes = newRouter()
  .openapi(getRecord, async (c) => {
    const { id } = c.req.valid("param");
    const form = await formNamed(c, c.req.valid("param").form);
    const record = await findRecord(c.get("data"), c.get("tenant").id, form, id);
    if (!record) throw new AppError("NOT_FOUND", `No ${form} record '${id}'`);
    return c.json(toRecordView(record), 200);
  })
  .openapi(listFormRecords, async (c) => {
    const form = await formNamed(c, c.req.valid("param").form);
    const { limit: pageSize, cursor } = c.req.valid("query");
    const page = await listRecords(c.get("data"), c.get("tenant").id, form, { limit: pageSize, after: cursor });
    return c.json({ items: page.items.map(toRecordView), nextCursor: page.nextCursor }, 200);
  })
  .openapi(eraseOne, async (c) => {
    const { id } = c.req.valid("param");
    const form = await formNamed(c, c.req.valid("param").form);
    const ports = { db: c.get("data"), eraseDeliveries: c.get("eraseDeliveries"), attachments: c.env.ATTACHMENTS, alongside: c.get("eraseAlongside") };
    await eraseRecord(ports, { tenantId: c.get("tenant").id, form, id });
    return c.body(null, 204);
  })
  .openapi(eventFeed, async (c) => {
    const { after, limit: pageSize } = c.req.valid("query");
    const rows = await listEvents(c.get("data"), c.get("tenant").id, { after, limit: pageSize });
    return c.json({ items: rows.map(toEventView), nextAfter: rows[rows.length - 1]?.seq ?? after }, 200);
  });
