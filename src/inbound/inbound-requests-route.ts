/**
 * Tenant API: the inbound request log, newest first (never the Authorization header or the body). An
 * authenticated request is one entry (`count` 1); unauthenticated ones are counted in one entry per source,
 * status, code and minute (`count` of them, the first one's path and cause, the latest one's time).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors, isoTime } from "../http/openapi-app";
import { authenticate } from "../auth/authenticate";
import type { InboundRequest } from "../db/schema";
import { listInboundRequests } from "./inbound-log";

const inboundRequestView = z
  .object({
    id: z.string(),
    source: z.string(),
    method: z.string(),
    path: z.string(),
    status: z.number().int(),
    code: z.string().nullable(),
    error: z.string().nullable(),
    recordId: z.string().nullable(),
    durationMs: z.number().int(),
    count: z.number().int().openapi({ description: "How many requests the entry stands for: unauthenticated requests are counted per minute" }),
    receivedAt: z.string(),
  })
  .openapi("InboundRequest");

const toView = (row: InboundRequest): z.infer<typeof inboundRequestView> => ({
  id: row.id,
  source: row.source,
  method: row.method,
  path: row.path,
  status: row.status,
  code: row.code,
  error: row.error,
  recordId: row.recordId,
  durationMs: row.durationMs,
  count: row.count,
  receivedAt: isoTime(row.receivedAt),
});

const listInbound = createRoute({
  method: "get",
  path: "/api/v1/inbound-requests",
  operationId: "listInboundRequests",
  summary: "List inbound requests, newest first",
  middleware: [authenticate({ scope: "api" })] as const,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      before: z.coerce.number().int().positive().optional().openapi({ description: "receivedAt in ms: page to older entries" }),
      source: z.string().min(1).max(100).optional().openapi({ description: "Only this source (e.g. helpdesk.createticket)" }),
      status: z
        .string()
        .regex(/^[1-5](xx|\d\d)$/, "must be a status class like 4xx or an exact status like 400")
        .optional()
        .openapi({ description: "A status class (2xx, 4xx, 5xx) or an exact status code" }),
    }),
  },
  responses: {
    200: {
      description: "Inbound requests, newest first",
      content: {
        "application/json": { schema: z.object({ items: z.array(inboundRequestView), nextBefore: z.number().int().nullable() }) },
      },
    },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

export const inboundRequestRoutes = newRouter().openapi(listInbound, async (c) => {
  const query = c.req.valid("query");
  const rows = await listInboundRequests(c.get("data"), c.get("tenant").id, query);
  const last = rows[rows.length - 1];
  return c.json({ items: rows.map(toView), nextBefore: rows.length === query.limit && last ? last.receivedAt : null }, 200);
});
