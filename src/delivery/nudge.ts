/**
 * The queue message that wakes a tenant's delivery: just the tenant id. Order never comes from the queue
 * (it comes from events.seq), so a lost or repeated nudge only delays or repeats a no-op pump.
 */
import type { Bindings } from "../runtime/env";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { logLine } from "../runtime/log";

export interface DeliveryNudge {
  tenant: string;
}

/** Sends the nudge after a commit. A failure is logged, never returned to the caller: the sweeper catches up. */
export async function nudgeDelivery(env: Bindings, tenantId: string): Promise<void> {
  try {
    await env.DELIVERY_QUEUE.send({ tenant: tenantId } satisfies DeliveryNudge);
  } catch (error) {
    logLine("warn", "delivery_nudge_failed", { tenantId, error: String(error) });
  }
}

/**
 * Middleware: gives every request `c.var.wakeDelivery(tenantId)`, which sends the nudge after the response
 * (waitUntil). Code that commits work for the engine calls it through that port, so it need not know the queue.
 */
export const deliveryWakeUp = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // One nudge per tenant per request, however many changes the request commits.
    const woken = new Set<string>();
    c.set("wakeDelivery", (tenantId: string) => {
      if (woken.has(tenantId)) return;
      woken.add(tenantId);
      c.executionCtx.waitUntil(nudgeDelivery(c.env, tenantId));
    });
    await next();
  });
