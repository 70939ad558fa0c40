/**
 * The tenant's base URL in everything Hookgate hands out (hook URLs, provisioning webhooks, Location, entry and
 * record links, thin events' `url`): PUBLIC_BASE_URL when the operator set one; otherwise the form the caller
 * used — `/t/{tenant}` on the request's origin for a caller that came through the path, the tenant's own host
 * for one that came through it — so a client can always follow what it was given.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import type { Config } from "../runtime/env";

const TENANT_PLACEHOLDER = "{tenant}";

/** PUBLIC_BASE_URL for this tenant: `{tenant}` replaced, or `/t/{tenant}` appended when it has no placeholder. */
function configuredBaseUrl(publicBaseUrl: string, slug: string): string {
  return publicBaseUrl.includes(TENANT_PLACEHOLDER) ? publicBaseUrl.replaceAll(TENANT_PLACEHOLDER, slug) : `${publicBaseUrl}/t/${slug}`;
}

/**
 * The tenant's base URL with no request to go by (deliveries): PUBLIC_BASE_URL, else `{tenant}.{BASE_DOMAIN}`
 * (https in production).
 */
export function publicTenantBaseUrl(config: Config, slug: string): string {
  if (config.PUBLIC_BASE_URL) return configuredBaseUrl(config.PUBLIC_BASE_URL, slug);
  return `${config.httpsOnly ? "https" : "http"}://${slug}.${config.BASE_DOMAIN}`;
}

/** The request's tenant's base URL, in the form the caller used (see the module comment). */
export function tenantBaseUrl(c: Context<AppEnv>): string {
  const config = c.get("config");
  const slug = c.get("tenant").slug;
  const url = new URL(c.req.url);
  if (!config.PUBLIC_BASE_URL && c.req.param("tenant")) return `${url.origin}/t/${slug}`;
  // PUBLIC_BASE_URL, or production's https host: the same URL a delivery would carry.
  if (config.PUBLIC_BASE_URL || config.httpsOnly) return publicTenantBaseUrl(config, slug);
  // Through the tenant's host outside production: the request's scheme and port are kept (wrangler dev).
  return `${url.protocol}//${slug}.${config.BASE_DOMAIN}${url.port ? `:${url.port}` : ""}`;
}
