/** Building absolute URLs that point back at the same tenant the request came in for. */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";

/** `/t/{tenant}` when the request used the path prefix, else "" (the host already names the tenant). */
export const tenantPathPrefix = (c: Context<AppEnv>): string => {
  const fromPath = c.req.param("tenant");
  return fromPath ? `/t/${fromPath}` : "";
};

/**
 * The tenant's own origin, `https://{tenant}.{BASE_DOMAIN}` — what vendors are configured with. Outside
 * production the request's scheme and port are kept, so the URLs work against `wrangler dev` (http, :8787).
 */
export function tenantOrigin(c: Context<AppEnv>, slug: string): string {
  const config = c.get("config");
  if (config.httpsOnly) return `https://${slug}.${config.BASE_DOMAIN}`;
  const url = new URL(c.req.url);
  return `${url.protocol}//${slug}.${config.BASE_DOMAIN}${url.port ? `:${url.port}` : ""}`;
}
