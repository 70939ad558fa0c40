import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { tenantsInBatch } from "../../src/delivery/queue-consumer";
import { laggingTenants } from "../../src/delivery/sweeper";
import type { DeliveryNudge } from "../../src/delivery/nudge";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";
import { SEED_TICKET, TICKET_PATH, call, createTenant } from "../helpers";

const stubFor = (tenantId: string) => env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(tenantId));

async function postTicket(tenant: { slug: string; key: string }): Promise<number> {
  const response = await call(tenant.slug, TICKET_PATH, { key: tenant.key, json: SEED_TICKET });
  return (await response.json<{ eventSeq: number }>()).eventSeq;
}

describe("delivery pipeline wiring", () => {
  it("dedupes tenants within a queue batch", () => {
    expect(tenantsInBatch([{ tenant: "a" }, { tenant: "b" }, { tenant: "a" }])).toEqual(["a", "b"]);
  });

  it("the queue consumer pumps each nudged tenant's Durable Object once and acks", async () => {
    const tenant = await createTenant();
    const seq = await postTicket(tenant);
    const batch = createMessageBatch<DeliveryNudge>("hookgate-delivery", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { tenant: tenant.id } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { tenant: tenant.id } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
    // The consumer's pump already read the event: a refresh finds nothing new past the cursor.
    const after = await stubFor(tenant.id).refresh(tenant.id);
    expect(after.read).toBe(0);
    expect(after.cursor).toBeGreaterThanOrEqual(seq);
  });

  it("pump is idempotent: a repeated wake-up reads nothing new", async () => {
    const tenant = await createTenant();
    const seq = await postTicket(tenant);
    const first = await stubFor(tenant.id).pump(tenant.id);
    expect(first.cursor).toBe(seq);
    const again = await stubFor(tenant.id).pump(tenant.id);
    expect(again).toEqual({ cursor: seq, read: 0 });
  });

  it("a lost nudge only delays: the sweeper finds the lagging tenant and nudges it (invariant 1)", async () => {
    const tenant = await createTenant();
    await postTicket(tenant);
    // Simulate the nudge having been lost: the DO never ran for this tenant.
    expect(await laggingTenants(env)).toContain(tenant.id);
    await stubFor(tenant.id).pump(tenant.id);
    expect(await laggingTenants(env)).not.toContain(tenant.id);
    await postTicket(tenant);
    expect(await laggingTenants(env)).toContain(tenant.id);
  });

  it("the scheduled handler sends nudges for lagging tenants", async () => {
    const tenant = await createTenant();
    await postTicket(tenant);
    const sent: DeliveryNudge[] = [];
    const recordingEnv = {
      ...env,
      DELIVERY_QUEUE: {
        send: async (body: DeliveryNudge) => void sent.push(body),
        sendBatch: async (messages: Iterable<MessageSendRequest<DeliveryNudge>>) => {
          for (const message of messages) sent.push(message.body);
        },
      } as unknown as Queue<DeliveryNudge>,
    };
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController(), recordingEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(sent.map((nudge) => nudge.tenant)).toContain(tenant.id);
  });

  it("a Durable Object reset keeps its stored cursor (state lives in its SQLite storage)", async () => {
    const tenant = await createTenant();
    const seq = await postTicket(tenant);
    await stubFor(tenant.id).pump(tenant.id);
    const stored = await runInDurableObject(stubFor(tenant.id), async (_instance: TenantDelivery, state) =>
      state.storage.sql.exec<{ value: number }>("SELECT value FROM cursor").one().value,
    );
    expect(stored).toBe(seq);
  });
});
