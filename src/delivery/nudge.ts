/**
 * The queue message that wakes a tenant's delivery: just the tenant id. Order never comes from the queue
 * (it comes from events.seq), so a lost or repeated nudge only delays or repeats a no-op pump.
 */
import type { Bindings } from "../runtime/env";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/app-env";
import { logLine } from "../runtime/log";
import { forgetInterest, interestedIn } from "./delivery-interest";

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
 * Middleware: gives every request `c.var.wakeDelivery(tenantId, form?)`, which sends the nudge after the
 * response (waitUntil). Code that commits work for the engine calls it through that port, so it need not know
 * the queue. With `form` (a committed change), the nudge goes only when the tenant's delivery cares about that
 * form (delivery-interest.ts); without it (a subscription saved or deleted, a tenant reactivated), it always
 * goes, and this isolate forgets what it knew of the tenant's interest. `c.var.deliveryInterestChanged` only
 * forgets (a new subscription or hook configuration: nothing committed before it is owed to it).
 */
export const deliveryWakeUp = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // One nudge per tenant per request, however many changes the request commits.
    const woken = new Set<string>();
    const nudge = (tenantId: string) => {
      if (woken.has(tenantId)) return;
      woken.add(tenantId);
      c.executionCtx.waitUntil(nudgeDelivery(c.env, tenantId));
    };
    c.set("deliveryInterestChanged", forgetInterest);
    c.set("wakeDelivery", (tenantId: string, form?: string) => {
      if (form === undefined) {
        forgetInterest(tenantId);
        nudge(tenantId);
        return;
      }
      if (woken.has(tenantId)) return;
      // Decided after the response, like the nudge itself: the interest read never delays the 2xx.
      c.executionCtx.waitUntil(
        interestedIn(c.get("db"), tenantId, form).then(
          (interested) => (interested ? nudge(tenantId) : undefined),
          // Unknown interest: nudge, as before there was a filter.
          () => nudge(tenantId),
        ),
      );
    });
    await next();
  });
