/**
 * How many of a subscription's deliveries are still open (pending, in flight, or a dead letter blocking its
 * stream), asked of the tenant's TenantDelivery object: the subscription use cases take it as a port.
 */
import type { Bindings } from "../runtime/env";

export async function openDeliveryCount(env: Bindings, tenantId: string, subscriptionId: string): Promise<number> {
  return env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(tenantId)).openDeliveryCount(subscriptionId);
}
