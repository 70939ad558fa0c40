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
import { sweep } from "../../src/delivery/sweeper";
import { database } from "../../src/db/client";
import { createRecord } from "../../src/records/record-writes";
import type { DeliveryNudge } from "../../src/delivery/nudge";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";
import { SEED_TICKET, TICKET_PATH, call, createTenant, shardOf } from "../helpers";
import { recordingEnv } from "./harness";

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

  it("a lost nudge only delays: sweep() nudges a lagging tenant until the nudged object has read its events (invariant 1)", async () => {
    const tenant = await createTenant();
    // Committed behind the gateway's back: the nudge is lost (none was sent).
    const commit = async () => createRecord(database(await shardOf(tenant.id)), { tenantId: tenant.id, form: "Widget", source: "test", data: {} });
    const swept = async () => {
      const sent: DeliveryNudge[] = [];
      await sweep(recordingEnv(sent));
      return sent.map((nudge) => nudge.tenant);
    };
    await commit();
    expect(await swept()).toContain(tenant.id);
    // The queue hands the sweeper's nudge to the consumer, which pumps the tenant's object.
    const batch = createMessageBatch<DeliveryNudge>("hookgate-delivery", [{ id: "s1", timestamp: new Date(), attempts: 1, body: { tenant: tenant.id } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["s1"]);
    expect(await swept()).not.toContain(tenant.id);
    await commit();
    expect(await swept()).toContain(tenant.id);
  });

  it("the scheduled handler sends nudges for lagging tenants", async () => {
    const tenant = await createTenant();
    await postTicket(tenant);
    const sent: DeliveryNudge[] = [];
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController(), recordingEnv(sent), ctx);
    await waitOnExecutionContext(ctx);
    expect(sent.map((nudge) => nudge.tenant)).toContain(tenant.id);
  });

  it("a Durable Object reset keeps its stored cursor (state lives in its SQLite storage)", async () => {
    const tenant = await createTenant();
    const seq = await postTicket(tenant);
    const stub = stubFor(tenant.id);
    await stub.pump(tenant.id);
    const instances = new WeakSet<TenantDelivery>();
    await runInDurableObject(stub, (instance: TenantDelivery) => void instances.add(instance));
    // A reset: abort() ends this instance at once, its memory with it; the next call starts a new one.
    await runInDurableObject(stub, (_instance, state) => state.abort("reset")).catch(() => undefined);
    // A reset breaks the stubs to the object: a fresh one reaches the new instance.
    const { fresh, stored } = await runInDurableObject(stubFor(tenant.id), (instance: TenantDelivery, state) => ({
      fresh: !instances.has(instance),
      stored: state.storage.sql.exec<{ value: number }>("SELECT value FROM cursor").one().value,
    }));
    expect(fresh).toBe(true);
    expect(stored).toBe(seq);
    // The new instance goes on from the stored cursor: nothing is read twice.
    expect(await stubFor(tenant.id).pump(tenant.id)).toEqual({ cursor: seq, read: 0 });
  });
});
