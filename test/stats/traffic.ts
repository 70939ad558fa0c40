/** A tenant with an hour's worth of mixed delivery traffic, for the stats API and the portal overview tests. */
import { createTenant, type TestTenant } from "../helpers";
import { createEntry, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";

/**
 * Two events to a receiver that answers 200 (two attempts, both succeed) and to one that answers 500 (the
 * first event twice, then its stream blocks on the dead letter). The caller restores the receiver.
 */
export async function tenantWithTraffic(): Promise<{ tenant: TestTenant; receiver: Receiver }> {
  const receiver = startReceiver((request) => (request.url.endsWith("/fail") ? new Response("boom", { status: 500 }) : new Response("ok")));
  const tenant = await createTenant("stats");
  await subscribe(tenant, { url: `${receiver.url}/ok` });
  await subscribe(tenant, { url: `${receiver.url}/fail`, maxAttempts: 2, retryDelaysMs: [1], deadLetterPolicy: "block" });
  await createEntry(tenant, { n: 1 });
  await createEntry(tenant, { n: 2 });
  await settle(tenant.id);
  return { tenant, receiver };
}
