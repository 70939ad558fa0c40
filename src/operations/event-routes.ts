/**
 * GET /api/v1/operational-events (scope `api`): the tenant's recent operational events, newest first, for the
 * portal's alerts page. Recorded whether or not an operational webhook is configured; kept as long as the
 * tenant's retentionDays.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, isoTime } from "../http/openapi-app";
import { errorResponses, jsonResponse } from "../http/route-schemas";
import { authenticate } from "../auth/authenticate";
import { operationalEventTypes, type OperationalEventRow } from "../db/schema";
import { listOperationalEvents } from "./operational-event-store";

export const operationalEventView = z
  .object({
    id: z.string(),
    type: z.enum(operationalEventTypes),
    timestamp: z.string().openapi({ description: "ISO-8601: when the engine learnt of it" }),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("OperationalEvent");

const toView = (row: OperationalEventRow): z.infer<typeof operationalEventView> => ({
  id: row.id,
  type: row.type,
  timestamp: isoTime(row.occurredAt),
  data: row.data,
});

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/operational-events",
  operationId: "listOperationalEvents",
  summary: "The tenant's recent operational events, newest first",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  responses: {
    200: jsonResponse(z.object({ items: z.array(operationalEventView) }), "Operational events, newest first"),
    ...errorResponses(400, 401, 403),
  },
});

export const operationalEventRoutes = newRouter().openapi(listRoute, async (c) => {
  const { limit } = c.req.valid("query");
  const rows = await listOperationalEvents(c.get("data"), c.get("tenant").id, limit);
  return c.json({ items: rows.map(toView) }, 200);
});
