/**
 * Public documentation routes, on any host and without credentials: `GET /openapi.json` (tenant API),
 * `GET /admin/openapi.json` (admin API) and `GET /docs` (interactive reference; the browser loads Scalar's
 * script from its CDN, the Worker only serves the HTML page).
 */
import { Hono, type Context } from "hono";
import { Scalar } from "@scalar/hono-api-reference";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/app-env";
import { adminDocument, tenantDocument, type DocumentOptions } from "./documents";

/** The reference's browser bundle, pinned (Scalar's default is the CDN's latest). */
export const SCALAR_CDN = "https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.72.1";

export const DOC_PATHS = ["/openapi.json", "/admin/openapi.json", "/docs"] as const;

interface DocumentedRouters {
  tenantApi: OpenAPIHono<AppEnv>;
  adminApi: OpenAPIHono<AppEnv>;
}

export function openApiRoutes({ tenantApi, adminApi }: DocumentedRouters) {
  // Generation walks every zod schema; do it once per (scheme, BASE_DOMAIN).
  const cache = new Map<string, unknown>();
  const cached = (kind: string, options: DocumentOptions, build: () => unknown) => {
    const key = `${kind} ${options.protocol} ${options.baseDomain}`;
    if (!cache.has(key)) cache.set(key, build());
    return cache.get(key);
  };
  const options = (c: Context<AppEnv>): DocumentOptions => ({
    baseDomain: c.get("config").BASE_DOMAIN,
    protocol: c.get("config").httpsOnly ? "https" : new URL(c.req.url).protocol.replace(":", ""),
  });

  return new Hono<AppEnv>()
    .get("/openapi.json", (c) => c.json(cached("tenant", options(c), () => tenantDocument(tenantApi, options(c))) as object))
    .get("/admin/openapi.json", (c) => c.json(cached("admin", options(c), () => adminDocument(adminApi, options(c))) as object))
    .get(
      "/docs",
      Scalar({
        pageTitle: "Hookgate API reference",
        cdn: SCALAR_CDN,
        sources: [
          { url: "/openapi.json", title: "Tenant API" },
          { url: "/admin/openapi.json", title: "Admin API" },
        ],
      }),
    );
}
