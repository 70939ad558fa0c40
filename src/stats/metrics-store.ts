/**
 * Reads one tenant's metrics snapshot: the counts from its data-plane shard (one D1 batch, each query from the
 * module that owns its table, with the tallies of what retention pruned) and its delivery streams from its
 * TenantDelivery object, as /api/v1/streams does.
 */
import type { Database } from "../db/client";
import { eventCountsByFormAndType } from "../records/event-feed";
import { inboundCountsBySourceAndStatus } from "../inbound/inbound-log";
import { attemptCountsByOutcome } from "../delivery/attempt-log";
import type { TenantSnapshot } from "./metrics";
import { talliesOf } from "./metric-tallies";

export async function readTenantSnapshot(data: Database, deliveryNamespace: Env["TENANT_DELIVERY"], tenantId: string): Promise<TenantSnapshot> {
  const stub = deliveryNamespace.get(deliveryNamespace.idFromName(tenantId));
  const [[inbound, events, attempts, tallies], [streams, prunedDeadLetters]] = await Promise.all([
    // One batch: the live counts and the tallies of what was pruned are read from one state (a prune moves rows
    // from one to the other in a batch of its own), so their sum never falls.
    data.batch([inboundCountsBySourceAndStatus(data, tenantId), eventCountsByFormAndType(data, tenantId), attemptCountsByOutcome(data, tenantId), talliesOf(data, tenantId)]),
    // The object learns its tenant on first use (as in delivery/routes.ts), then reports every stream.
    stub.refresh(tenantId).then(() => Promise.all([stub.streams(), stub.prunedDeadLetters()])),
  ]);
  return { inbound, events, attempts, tallies, streams, prunedDeadLetters };
}
