/** Operator API for tenants: create, list, read, rename, suspend/reactivate, and set how long history is kept. */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors, isoTime } from "../http/openapi-app";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../http/route-schemas";
import { jsonBody } from "../http/json-body";
import { RETENTION_DAYS_RANGE, tenantStatuses, type Tenant } from "../db/schema";
import { TENANT_SLUG_PATTERN } from "../tenancy/tenant-slug";
import { shardBindings } from "../db/shards";
import { changeTenant, createTenant, findTenantBySlug, listTenants } from "../tenancy/tenant-store";

const tenantView = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    status: z.enum(tenantStatuses),
    retentionDays: z.number().int().openapi({ description: "Days of history kept (events, logs, attempts, closed deliveries); older is pruned by the cron, open work never." }),
    shard: z.number().int().openapi({ description: "The data-plane database (binding SHARD_<shard>) holding the tenant's records, events and logs; chosen at creation, the least-loaded." }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Tenant");

const toView = (tenant: Tenant): z.infer<typeof tenantView> => ({
  id: tenant.id,
  slug: tenant.slug,
  name: tenant.name,
  status: tenant.status,
  retentionDays: tenant.retentionDays,
  shard: tenant.shard,
  createdAt: isoTime(tenant.createdAt),
  updatedAt: isoTime(tenant.updatedAt),
});

/** The path parameters of a tenant, and of one item a tenant owns. */
export const tenantParams = z.object({ slug: z.string() });
export const tenantItemParams = z.object({ slug: z.string(), id: z.string() });

const createTenantBody = z.object({
  slug: z.string().regex(TENANT_SLUG_PATTERN, "must be a lowercase DNS label of 3-63 characters"),
  name: z.string().trim().min(1).max(200),
});

const patchTenantBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    status: z.enum(tenantStatuses).optional(),
    retentionDays: z.number().int().min(RETENTION_DAYS_RANGE.min).max(RETENTION_DAYS_RANGE.max).optional(),
  })
  .strict()
  .refine((body) => body.name !== undefined || body.status !== undefined || body.retentionDays !== undefined, "name, status or retentionDays is required");

const createTenantRoute = createRoute({
  method: "post",
  path: "/tenants",
  operationId: "adminCreateTenant",
  summary: "Create a tenant",
  middleware: [jsonBody()] as const,
  request: { body: jsonRequestBody(createTenantBody) },
  responses: { 201: jsonResponse(tenantView, "Created"), ...errors },
});

const listTenantsRoute = createRoute({
  method: "get",
  path: "/tenants",
  operationId: "adminListTenants",
  summary: "List all tenants",
  responses: { 200: jsonResponse(itemsOf(tenantView), "All tenants"), ...errorResponses(401) },
});

const getTenant = createRoute({
  method: "get",
  path: "/tenants/{slug}",
  operationId: "adminGetTenant",
  summary: "Read a tenant",
  request: { params: tenantParams },
  responses: { 200: jsonResponse(tenantView, "The tenant"), ...errorResponses(401, 404) },
});

const patchTenant = createRoute({
  method: "patch",
  path: "/tenants/{slug}",
  operationId: "adminUpdateTenant",
  summary: "Rename, suspend or reactivate a tenant, or change its retention",
  middleware: [jsonBody()] as const,
  request: { params: tenantParams, body: jsonRequestBody(patchTenantBody) },
  responses: { 200: jsonResponse(tenantView, "Updated"), ...errors },
});

export const tenantRoutes = newRouter()
  .openapi(createTenantRoute, async (c) => c.json(toView(await createTenant(c.get("db"), { ...c.req.valid("json"), shardCount: shardBindings(c.env).length })), 201))
  .openapi(listTenantsRoute, async (c) => c.json({ items: (await listTenants(c.get("db"))).map(toView) }, 200))
  .openapi(getTenant, async (c) => c.json(toView(await findTenantBySlug(c.get("db"), c.req.valid("param").slug)), 200))
  .openapi(patchTenant, async (c) => {
    const change = c.req.valid("json");
    const tenant = await changeTenant(c.get("db"), c.req.valid("param").slug, change);
    // A reactivated tenant's held deliveries go out now, not at its object's next periodic look.
    if (change.status === "active") c.get("wakeDelivery")(tenant.id);
    return c.json(toView(tenant), 200);
  });
