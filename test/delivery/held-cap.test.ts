import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { createEntry, deliveryStub, listDeliveries, settle, startReceiver, subscribe, type Receiver } from "./harness";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";
import { heldCapReason } from "../../src/delivery/held-cap";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const streams = async (tenant: TestTenant) =>
  (await (await call(tenant.slug, "/api/v1/streams", { key: tenant.key })).json<{ items: { stream: string; pending: number; deadLetters: number; droppedOverCap: number }[] }>()).items;

describe("the cap on deliveries held for a disabled subscription", () => {
  it("dead-letters the oldest held deliveries past the cap, counts them per stream, and delivers the rest in order once saved again", async () => {
    let gone = true;
    receiver = startReceiver(() => (gone ? new Response("gone", { status: 410 }) : new Response("ok")));
    const tenant = await createTenant("held-cap");
    const id = await subscribe(tenant, { url: receiver.url });
    await runInDurableObject(deliveryStub(tenant.id), (instance: TenantDelivery) => {
      instance.engine.heldCap = 3;
    });
    await createEntry(tenant, { n: 0 });
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
    // Held from here on: five more, two over the cap.
    for (let n = 1; n <= 5; n++) await createEntry(tenant, { n });
    await deliveryStub(tenant.id).pump(tenant.id);
    expect(receiver.received).toHaveLength(1);

    const held = await listDeliveries(tenant);
    expect(held.map((delivery) => [delivery.status, delivery.lastError])).toEqual([
      ["dead", null],
      ["dead", heldCapReason(3)],
      ["dead", heldCapReason(3)],
      ["pending", null],
      ["pending", null],
      ["pending", null],
    ]);
    expect(await streams(tenant)).toEqual([expect.objectContaining({ pending: 3, deadLetters: 3, droppedOverCap: 2 })]);

    gone = false;
    const current = await (await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key })).json();
    expect((await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key, method: "PUT", json: current })).status).toBe(204);
    await settle(tenant.id, { wake: false });
    expect(receiver.received.map((request) => (request.json.entry_details as { n: number }).n)).toEqual([0, 3, 4, 5]);
    expect(await streams(tenant)).toEqual([expect.objectContaining({ pending: 0, droppedOverCap: 2 })]);
  });

  it("an enabled subscription is never capped, however much is open", async () => {
    receiver = startReceiver(() => new Response("down", { status: 503 }));
    const tenant = await createTenant("held-cap-enabled");
    await subscribe(tenant, { url: receiver.url, retryDelaysMs: [60_000], maxAttempts: 5 });
    await runInDurableObject(deliveryStub(tenant.id), (instance: TenantDelivery) => {
      instance.engine.heldCap = 2;
    });
    for (let n = 1; n <= 4; n++) await createEntry(tenant, { n });
    await deliveryStub(tenant.id).pump(tenant.id);
    expect((await listDeliveries(tenant)).map((delivery) => delivery.status)).toEqual(["pending", "pending", "pending", "pending"]);
    expect(await streams(tenant)).toEqual([expect.objectContaining({ pending: 4, droppedOverCap: 0 })]);
  });
});
