/**
 * GET /api/v1/metrics: the tenant's own metrics in the Prometheus text exposition format, for a Prometheus
 * scrape with the tenant's API key as bearer token. The families are in metrics.ts, the format in exposition.ts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { authenticate } from "../auth/authenticate";
import { EXPOSITION_CONTENT_TYPE, renderExposition } from "./exposition";
import { metricFamilies } from "./metrics";
import { readTenantSnapshot } from "./metrics-store";

/** The OpenAPI response of a metrics route: exposition text. */
export const expositionResponse = (description: string) => ({ description, content: { "text/plain": { schema: z.string() } } });

const metrics = createRoute({
  method: "get",
  path: "/api/v1/metrics",
  operationId: "getMetrics",
  summary: "The tenant's metrics in the Prometheus text format",
  middleware: [authenticate({ scope: "api" })] as const,
  responses: {
    200: expositionResponse("hookgate_* counters (since retention) and gauges, text/plain; version=0.0.4"),
    401: errors[401],
    403: errors[403],
  },
});

export const metricsRoutes = newRouter().openapi(metrics, async (c) => {
  const snapshot = await readTenantSnapshot(c.get("data"), c.env.TENANT_DELIVERY, c.get("tenant").id);
  return c.text(renderExposition(metricFamilies([{ snapshot }], Date.now())), 200, { "Content-Type": EXPOSITION_CONTENT_TYPE });
});
