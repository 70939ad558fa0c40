/**
 * The queue message that wakes a tenant's delivery: just the tenant id. Order never comes from the queue
 * (it comes from events.seq), so a lost or repeated nudge only delays or repeats a no-op pump.
 */
import type { Bindings } from "../runtime/env";
import { logLine } from "../runtime/log";

export interface DeliveryNudge {
  tenant: string;
}

/** Sends the nudge after a commit. A failure is logged, never returned to the caller: the sweeper catches up. */
export async function nudgeDelivery(env: Bindings, tenantId: string): Promise<void> {
  try {
    await env.DELIVERY_QUEUE.send({ tenant: tenantId });
  } catch (error) {
    logLine("warn", "delivery_nudge_failed", { tenantId, error: String(error) });
  }
}
