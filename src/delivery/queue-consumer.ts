/**
 * Queue consumer: dedupes the tenants nudged in a batch and wakes each active tenant's TenantDelivery once.
 * A suspended tenant's nudge is acked without a wake-up: the sweeper finds its lag once it is reactivated.
 */
import type { Bindings } from "../runtime/env";
import type { DeliveryNudge } from "./nudge";
import { database } from "../db/client";
import { suspendedAmong } from "../tenancy/tenant-store";
import { logLine } from "../runtime/log";

/** How long the consumer waits for a tenant's drain before it acks the batch (the drain goes on alone). */
export const CONSUMER_WAIT_MS = 5_000;

/** Unique tenant ids of a batch, in first-seen order. Pure. */
export const tenantsInBatch = (bodies: readonly DeliveryNudge[]): string[] => [...new Set(bodies.map((body) => body.tenant))];

export async function consumeDeliveryNudges(batch: MessageBatch<DeliveryNudge>, env: Bindings): Promise<void> {
  const tenants = tenantsInBatch(batch.messages.map((message) => message.body));
  const suspended = await suspendedTenants(env, tenants);
  const failed = new Set<string>();
  await Promise.all(
    tenants.filter((tenantId) => !suspended.has(tenantId)).map(async (tenantId) => {
      try {
        // Waits for the drain only so long: under load the next batch gathers meanwhile (fewer, larger fan-outs),
        // and one slow callback never holds the batch for its whole timeout.
        await env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(tenantId)).pump(tenantId, CONSUMER_WAIT_MS);
      } catch (error) {
        failed.add(tenantId);
        logLine("error", "delivery_pump_failed", { tenantId, error: String(error) });
      }
    }),
  );
  for (const message of batch.messages) {
    if (failed.has(message.body.tenant)) message.retry();
    else message.ack();
  }
}

/** The suspended tenants among `tenants`; none when the lookup fails (a suspended tenant's engine holds its sends anyway). */
async function suspendedTenants(env: Bindings, tenants: readonly string[]): Promise<Set<string>> {
  try {
    return await suspendedAmong(database(env.DB), tenants);
  } catch (error) {
    logLine("warn", "tenant_status_lookup_failed", { tenants: tenants.length, error: String(error) });
    return new Set();
  }
}
