/**
 * GET /api/v1/stats: the tenant's activity over a recent window (events committed, delivery attempts and
 * their success rate, a 12-bucket series) and the state of its delivery streams (lag, breakers, dead letters).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors, isoTime } from "../http/openapi-app";
import { authenticate } from "../auth/authenticate";
import { STATS_WINDOWS, summariseStreams, windowBounds, type StatsWindow } from "./aggregate";
import { activityStats } from "./stats-store";

const windows = Object.keys(STATS_WINDOWS) as [StatsWindow, ...StatsWindow[]];

const statsView = z
  .object({
    window: z.enum(windows),
    from: z.string(),
    to: z.string(),
    events: z.number().int().openapi({ description: "Events committed in the window" }),
    deliveries: z.object({
      attempted: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      successRate: z.number().nullable().openapi({ description: "succeeded / attempted in [0, 1]; null without attempts" }),
    }),
    series: z.array(z.object({ start: z.string(), events: z.number().int(), succeeded: z.number().int(), failed: z.number().int() })),
    streams: z.object({
      streams: z.number().int(),
      maxLag: z.number().int(),
      openBreakers: z.number().int(),
      blocked: z.number().int(),
      deadLetters: z.number().int(),
    }),
  })
  .openapi("Stats");

const stats = createRoute({
  method: "get",
  path: "/api/v1/stats",
  operationId: "getStats",
  summary: "Activity and delivery stream state over a recent window",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { query: z.object({ window: z.enum(windows).default("1h") }) },
  responses: {
    200: { description: "Activity in the window (attempts in 12 equal buckets) and current stream state", content: { "application/json": { schema: statsView } } },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

export const statsRoutes = newRouter().openapi(stats, async (c) => {
  const { window } = c.req.valid("query");
  const tenantId = c.get("tenant").id;
  const bounds = windowBounds(window, Date.now());
  const stub = c.env.TENANT_DELIVERY.get(c.env.TENANT_DELIVERY.idFromName(tenantId));
  // The object learns its tenant on first use (as in delivery/routes.ts), then reports every stream.
  const [activity, streams] = await Promise.all([activityStats(c.get("data"), tenantId, bounds), stub.refresh(tenantId).then(() => stub.streams())]);
  return c.json(
    {
      window,
      from: isoTime(bounds.from),
      to: isoTime(bounds.to),
      events: activity.events,
      deliveries: activity.deliveries,
      series: activity.series.map((point) => ({ ...point, start: isoTime(point.start) })),
      streams: summariseStreams(streams),
    },
    200,
  );
});
