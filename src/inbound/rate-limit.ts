/**
 * Per-tenant rate limit on the vendor-facing inbound routes, with the Workers Rate Limiting binding
 * (`INBOUND_RATE_LIMITER` in wrangler.toml: a limit per tenant per period, counted at the edge).
 * Over the limit: 429 RATE_LIMITED with Retry-After, logged like every other rejection, nothing stored.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { logInbound } from "./inbound-log";

/** The binding's period: a client told to wait this long is sure to have a fresh allowance. */
const RETRY_AFTER_SECONDS = "60";

export const rateLimitInbound = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const { success } = await c.env.INBOUND_RATE_LIMITER.limit({ key: c.get("tenant").id });
    if (!success) {
      throw new AppError("RATE_LIMITED", "Too many requests for this tenant; retry after the Retry-After delay", undefined, {
        "Retry-After": RETRY_AFTER_SECONDS,
      });
    }
    await next();
  });

/** What every vendor-facing route runs first: the inbound log (which sees every outcome), then the rate limit. */
export const inboundGate = (source: string) => [logInbound(source), rateLimitInbound()] as const;
