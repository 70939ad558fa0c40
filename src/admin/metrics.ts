/**
 * GET /admin/v1/metrics: every tenant's metrics in one Prometheus exposition, each series labelled
 * `tenant="<slug>"`. A scrape reads at most MAX_TENANTS_PER_SCRAPE tenants (slug order, after `after`), so its
 * cost is bounded; `hookgate_scrape_truncated` says when more tenants follow, and a further scrape job with
 * `after` set to the last slug of this page reads them.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { shardDatabase } from "../db/shards";
import { listTenantsAfter } from "../tenancy/tenant-store";
import { EXPOSITION_CONTENT_TYPE, renderExposition, type MetricFamily } from "../stats/exposition";
import { metricFamilies, type LabelledSnapshot } from "../stats/metrics";
import { readTenantSnapshot } from "../stats/metrics-store";
import { expositionResponse } from "../stats/metrics-routes";

/** The most tenants one scrape reads: each costs a D1 batch and two calls to its delivery object. */
export const MAX_TENANTS_PER_SCRAPE = 100;
/** Tenants read at once within a scrape. */
const CONCURRENCY = 10;

const metricsQuery = z.object({
  after: z.string().min(1).max(63).optional().openapi({ description: "Start after this tenant slug (slug order)" }),
  limit: z.coerce.number().int().min(1).max(MAX_TENANTS_PER_SCRAPE).default(MAX_TENANTS_PER_SCRAPE),
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "adminGetMetrics",
  summary: "Every tenant's metrics in the Prometheus text format (at most 100 tenants a scrape)",
  request: { query: metricsQuery },
  responses: {
    200: expositionResponse("hookgate_* series labelled tenant=\"<slug>\", text/plain; version=0.0.4"),
    400: errors[400],
    401: errors[401],
  },
});

function scrapeFamilies(tenants: number, truncated: boolean): MetricFamily[] {
  return [
    { name: "hookgate_scrape_tenants", help: "Tenants this scrape read.", type: "gauge", samples: [{ labels: {}, value: tenants }] },
    {
      name: "hookgate_scrape_truncated",
      help: `1 when more tenants follow this page (at most ${MAX_TENANTS_PER_SCRAPE} a scrape); scrape again with after=<last slug>.`,
      type: "gauge",
      samples: [{ labels: {}, value: truncated ? 1 : 0 }],
    },
  ];
}

export const adminMetricsRoutes = newRouter().openapi(metrics, async (c) => {
  const { after, limit } = c.req.valid("query");
  const page = await listTenantsAfter(c.get("db"), after ?? null, limit + 1);
  const tenants = page.slice(0, limit);
  const snapshots: LabelledSnapshot[] = [];
  for (let start = 0; start < tenants.length; start += CONCURRENCY) {
    const group = tenants.slice(start, start + CONCURRENCY);
    const read = await Promise.all(group.map((tenant) => readTenantSnapshot(shardDatabase(c.env, tenant.shard), c.env.TENANT_DELIVERY, tenant.id)));
    read.forEach((snapshot, index) => snapshots.push({ slug: group[index]!.slug, snapshot }));
  }
  const families = [...metricFamilies(snapshots, Date.now()), ...scrapeFamilies(tenants.length, page.length > limit)];
  return c.text(renderExposition(families), 200, { "Content-Type": EXPOSITION_CONTENT_TYPE });
});
