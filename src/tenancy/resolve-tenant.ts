/**
 * Middleware that loads the request's tenant (unknown -> 404 TENANT_NOT_FOUND, suspended -> 403 TENANT_SUSPENDED)
 * and opens its shard as `c.var.data`.
 */
import { createMiddleware } from "hono/factory";
import { eq } from "drizzle-orm";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { tenants, type Tenant } from "../db/schema";
import { LOOKUP_CACHE_TTL_MS, TtlCache } from "../http/ttl-cache";
import { resolveTenantSlug } from "./tenant-slug";
import { shardDatabase } from "../db/shards";

/** Tenants by slug; admin changes delete their entry (see tenantCache users in src/admin/tenants.ts). */
export const tenantCache = new TtlCache<string, Tenant>(LOOKUP_CACHE_TTL_MS);

export const resolveTenant = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // The URL's host is the Host header the client sent (workerd builds request.url from it).
    const host = new URL(c.req.url).host;
    const resolution = resolveTenantSlug(c.req.param("tenant"), host, c.get("config").BASE_DOMAIN);
    if ("error" in resolution) throw new AppError("TENANT_NOT_FOUND", resolution.error);
    let tenant = tenantCache.get(resolution.slug);
    if (!tenant) {
      tenant = await c.get("db").select().from(tenants).where(eq(tenants.slug, resolution.slug)).get();
      if (!tenant) throw new AppError("TENANT_NOT_FOUND", `Tenant '${resolution.slug}' does not exist`);
      tenantCache.set(resolution.slug, tenant);
    }
    if (tenant.status === "suspended") throw new AppError("TENANT_SUSPENDED", `Tenant '${tenant.slug}' is suspended`);
    c.set("tenant", tenant);
    c.set("data", shardDatabase(c.env, tenant.shard));
    await next();
  });
