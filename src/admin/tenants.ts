/** Operator API for tenants: create, list, read, rename and suspend/reactivate. */
import { createRoute, z } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { newRouter, errors, isoTime } from "../http/openapi-app";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../http/route-schemas";
import { jsonBody } from "../http/json-body";
import { AppError } from "../runtime/errors";
import { tenants, tenantStatuses, type Tenant } from "../db/schema";
import type { Database } from "../db/client";
import { newId } from "../runtime/crypto";
import { TENANT_SLUG_PATTERN } from "../tenancy/tenant-slug";
import { tenantCache } from "../tenancy/resolve-tenant";

const tenantView = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    status: z.enum(tenantStatuses),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Tenant");

const toView = (tenant: Tenant): z.infer<typeof tenantView> => ({
  id: tenant.id,
  slug: tenant.slug,
  name: tenant.name,
  status: tenant.status,
  createdAt: isoTime(tenant.createdAt),
  updatedAt: isoTime(tenant.updatedAt),
});

/** The path parameters of a tenant, and of one item a tenant owns. */
export const tenantParams = z.object({ slug: z.string() });
export const tenantItemParams = z.object({ slug: z.string(), id: z.string() });

export async function findTenantBySlug(db: Database, slug: string): Promise<Tenant> {
  const tenant = await db.select().from(tenants).where(eq(tenants.slug, slug)).get();
  if (!tenant) throw new AppError("TENANT_NOT_FOUND", `Tenant '${slug}' does not exist`);
  return tenant;
}

const createTenantBody = z.object({
  slug: z.string().regex(TENANT_SLUG_PATTERN, "must be a lowercase DNS label of 3-63 characters"),
  name: z.string().trim().min(1).max(200),
});

const patchTenantBody = z
  .object({ name: z.string().trim().min(1).max(200).optional(), status: z.enum(tenantStatuses).optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.status !== undefined, "name or status is required");

const createTenant = createRoute({
  method: "post",
  path: "/tenants",
  middleware: [jsonBody()] as const,
  request: { body: jsonRequestBody(createTenantBody) },
  responses: { 201: jsonResponse(tenantView, "Created"), ...errors },
});

const listTenants = createRoute({
  method: "get",
  path: "/tenants",
  responses: { 200: jsonResponse(itemsOf(tenantView), "All tenants"), ...errorResponses(401) },
});

const getTenant = createRoute({
  method: "get",
  path: "/tenants/{slug}",
  request: { params: tenantParams },
  responses: { 200: jsonResponse(tenantView, "The tenant"), ...errorResponses(401, 404) },
});

const patchTenant = createRoute({
  method: "patch",
  path: "/tenants/{slug}",
  middleware: [jsonBody()] as const,
  request: { params: tenantParams, body: jsonRequestBody(patchTenantBody) },
  responses: { 200: jsonResponse(tenantView, "Updated"), ...errors },
});

export const tenantRoutes = newRouter()
  .openapi(createTenant, async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    const now = Date.now();
    const inserted = await db
      .insert(tenants)
      .values({ id: newId("ten"), slug: body.slug, name: body.name, status: "active", createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning();
    const tenant = inserted[0];
    if (!tenant) throw new AppError("CONFLICT", `Tenant '${body.slug}' already exists`);
    return c.json(toView(tenant), 201);
  })
  .openapi(listTenants, async (c) => {
    const rows = await c.get("db").select().from(tenants).orderBy(desc(tenants.createdAt)).all();
    return c.json({ items: rows.map(toView) }, 200);
  })
  .openapi(getTenant, async (c) => {
    return c.json(toView(await findTenantBySlug(c.get("db"), c.req.valid("param").slug)), 200);
  })
  .openapi(patchTenant, async (c) => {
    const db = c.get("db");
    const tenant = await findTenantBySlug(db, c.req.valid("param").slug);
    const body = c.req.valid("json");
    const [updated] = await db
      .update(tenants)
      .set({ ...body, updatedAt: Date.now() })
      .where(eq(tenants.id, tenant.id))
      .returning();
    tenantCache.delete(tenant.slug);
    return c.json(toView(updated!), 200);
  });
