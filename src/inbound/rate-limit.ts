/**
 * The two rate limits of the vendor-facing inbound routes, both Workers Rate Limiting bindings (wrangler.toml).
 * Before authentication, ANONYMOUS_RATE_LIMITER counts every request per client address (CF-Connecting-IP) and
 * tenant, so junk is shed at its own address; once the vendor is authenticated, INBOUND_RATE_LIMITER counts it
 * per tenant, so only authenticated requests can use up a tenant's allowance. Over either limit: 429
 * RATE_LIMITED with Retry-After, logged like every other rejection, nothing stored.
 */
import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { logInbound } from "./inbound-log";

/** The bindings' period: a client told to wait this long is sure to have a fresh allowance. */
const RETRY_AFTER_SECONDS = "60";
/** The anonymous limiter's address for a request without CF-Connecting-IP (only off Cloudflare's edge). */
const UNKNOWN_ADDRESS = "unknown";

const rateLimited = (message: string) =>
  new AppError("RATE_LIMITED", `${message}; retry after the Retry-After delay`, undefined, { "Retry-After": RETRY_AFTER_SECONDS });

/** Before authentication: every request, counted per client address and tenant. */
export const limitAnonymous = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const address = c.req.header("cf-connecting-ip") ?? UNKNOWN_ADDRESS;
    const { success } = await c.env.ANONYMOUS_RATE_LIMITER.limit({ key: `${c.get("tenant").id}:${address}` });
    if (!success) throw rateLimited("Too many requests from this address for this tenant");
    await next();
  });

/**
 * Called the moment a vendor request is authenticated: from then on it is logged as its own row (inbound-log.ts)
 * and counts against the tenant's limit.
 */
export async function admitAuthenticated(c: Context<AppEnv>): Promise<void> {
  c.set("inboundAuthenticated", true);
  const { success } = await c.env.INBOUND_RATE_LIMITER.limit({ key: c.get("tenant").id });
  if (!success) throw rateLimited("Too many requests for this tenant");
}

/** admitAuthenticated as middleware, for routes that authenticate with `authenticate`: placed right after it. */
export const limitTenant = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await admitAuthenticated(c);
    await next();
  });

/** What every vendor-facing route runs first: the inbound log (which sees every outcome), then the anonymous limit. */
export const inboundGate = (source: string) => [logInbound(source), limitAnonymous()] as const;
