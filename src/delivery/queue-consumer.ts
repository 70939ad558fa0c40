/** Queue consumer: dedupes the tenants nudged in a batch and pumps each tenant's TenantDelivery once. */
import type { Bindings } from "../runtime/env";
import type { DeliveryNudge } from "./nudge";
import { logLine } from "../runtime/log";

/** Unique tenant ids of a batch, in first-seen order. Pure. */
export const tenantsInBatch = (bodies: readonly DeliveryNudge[]): string[] => [...new Set(bodies.map((body) => body.tenant))];

export async function consumeDeliveryNudges(batch: MessageBatch<DeliveryNudge>, env: Bindings): Promise<void> {
  const tenants = tenantsInBatch(batch.messages.map((message) => message.body));
  const failed = new Set<string>();
  await Promise.all(
    tenants.map(async (tenantId) => {
      try {
        await env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(tenantId)).pump(tenantId);
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
