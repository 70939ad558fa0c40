/**
 * Auto-disable in the engine (issue 20, item 3): a subscription whose callbacks failed continuously for
 * `disable_after_failing_hours` is disabled with a reason, its deliveries held as after a 410; saving it again
 * re-enables it and sends what was held, in order. Time moves by the engine's injected clock: the test sets it
 * ahead in the object, the way hours pass.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { createEntry, deliveryStub, enginePorts, settle, startReceiver, subscribe, type Receiver } from "./harness";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const HOUR = 3_600_000;

/** Sets the engine's clock `offsetMs` ahead of the runtime's: every decision from now on sees that time. */
const clockAhead = (tenant: TestTenant, offsetMs: number): Promise<void> =>
  runInDurableObject(deliveryStub(tenant.id), (instance: TenantDelivery) => {
    enginePorts(instance).clock = { now: () => Date.now() + offsetMs };
  });

const webhook = async (tenant: TestTenant, id: string) =>
  (await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key })).json<Record<string, unknown>>();

/** A new event and one wake-up (a queue nudge's pump): the waiting head is due by the engine's clock and goes. */
async function eventAndWake(tenant: TestTenant, n: number): Promise<void> {
  await createEntry(tenant, { n });
  await deliveryStub(tenant.id).pump(tenant.id);
}

/** A receiver that fails while `state.failing`. */
function switchable(state: { failing: boolean }): Receiver {
  return startReceiver(() => (state.failing ? new Response("down", { status: 503 }) : new Response("ok")));
}

/** A subscription whose retries wait a minute, so a failing head stays pending while the clock moves. */
const failingSubscription = (tenant: TestTenant, disableAfterFailingHours?: number) =>
  subscribe(tenant, { url: receiver!.url, retryDelaysMs: [60_000], maxAttempts: 50, ...(disableAfterFailingHours === undefined ? {} : { disableAfterFailingHours }) });

describe("disable_after_failing_hours", () => {
  it("disables after the hours of failures (not before), holds what follows, and a save sends it all in order", async () => {
    const state = { failing: true };
    receiver = switchable(state);
    const tenant = await createTenant("autodis");
    const id = await failingSubscription(tenant, 2);
    await eventAndWake(tenant, 1);
    await clockAhead(tenant, 2 * HOUR - 60_000);
    await eventAndWake(tenant, 2);
    expect(receiver.received).toHaveLength(2);
    expect((await webhook(tenant, id)).disabled_reason).toBeNull();
    await clockAhead(tenant, 2 * HOUR + 5 * 60_000);
    await eventAndWake(tenant, 3);
    expect(receiver.received).toHaveLength(3);
    expect((await webhook(tenant, id)).disabled_reason).toBe("Callbacks failed continuously for 2 hours");
    // Disabled: nothing more goes, whatever wakes it.
    await eventAndWake(tenant, 4);
    expect(receiver.received).toHaveLength(3);
    state.failing = false;
    const current = await webhook(tenant, id);
    expect((await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key, method: "PUT", json: current })).status).toBe(204);
    expect((await webhook(tenant, id)).disabled_reason).toBeNull();
    // No pump from the test: the save's own nudge sends what was held, the failing head first.
    await settle(tenant.id, { wake: false });
    expect(receiver.received.slice(3).map((request) => request.json.entry_details)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  });

  it("a success in between starts the count anew", async () => {
    const state = { failing: true };
    receiver = switchable(state);
    const tenant = await createTenant("autodis-reset");
    const id = await failingSubscription(tenant, 2);
    await eventAndWake(tenant, 1);
    await clockAhead(tenant, 90 * 60_000);
    state.failing = false;
    await eventAndWake(tenant, 2);
    expect(receiver.received.at(-1)!.json.entry_details).toEqual({ n: 2 });
    state.failing = true;
    await eventAndWake(tenant, 3);
    // 2 h 50 min after the first failure, but only 1 h 20 min after the last success.
    await clockAhead(tenant, 170 * 60_000);
    await eventAndWake(tenant, 4);
    expect(receiver.received.at(-1)!.json.entry_details).toEqual({ n: 3 });
    expect((await webhook(tenant, id)).disabled_reason).toBeNull();
  });

  it("defaults to 120 hours, shown in GET", async () => {
    receiver = switchable({ failing: true });
    const tenant = await createTenant("autodis-default");
    const id = await failingSubscription(tenant);
    expect((await webhook(tenant, id)).disable_after_failing_hours).toBe(120);
    await eventAndWake(tenant, 1);
    await clockAhead(tenant, 119 * HOUR);
    await eventAndWake(tenant, 2);
    expect((await webhook(tenant, id)).disabled_reason).toBeNull();
    await clockAhead(tenant, 121 * HOUR);
    await eventAndWake(tenant, 3);
    expect((await webhook(tenant, id)).disabled_reason).toBe("Callbacks failed continuously for 120 hours");
  });

  it("0 never disables", async () => {
    receiver = switchable({ failing: true });
    const tenant = await createTenant("autodis-never");
    const id = await failingSubscription(tenant, 0);
    await eventAndWake(tenant, 1);
    await clockAhead(tenant, 8760 * HOUR);
    await eventAndWake(tenant, 2);
    expect(receiver.received).toHaveLength(2);
    expect((await webhook(tenant, id)).disabled_reason).toBeNull();
  });

  it("a save while failing (not disabled yet) also starts the count anew", async () => {
    receiver = switchable({ failing: true });
    const tenant = await createTenant("autodis-save");
    const id = await failingSubscription(tenant, 2);
    await eventAndWake(tenant, 1);
    await clockAhead(tenant, 90 * 60_000);
    const current = await webhook(tenant, id);
    expect((await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key, method: "PUT", json: current })).status).toBe(204);
    await eventAndWake(tenant, 2);
    await clockAhead(tenant, 150 * 60_000);
    await eventAndWake(tenant, 3);
    expect(receiver.received.length).toBeGreaterThanOrEqual(3);
    expect((await webhook(tenant, id)).disabled_reason).toBeNull();
  });

  it("keeps one streak row per failing subscription, and none for a deleted one", async () => {
    receiver = switchable({ failing: true });
    const tenant = await createTenant("autodis-rows");
    const id = await failingSubscription(tenant, 2);
    await eventAndWake(tenant, 1);
    await eventAndWake(tenant, 2);
    expect(await streakRows(tenant)).toEqual([id]);
    expect((await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key, method: "DELETE" })).status).toBe(204);
    await deliveryStub(tenant.id).pump(tenant.id);
    expect(await streakRows(tenant)).toEqual([]);
  });
});

/** The subscriptions with a failing streak, as the object's storage holds them. */
const streakRows = (tenant: TestTenant) =>
  runInDurableObject(deliveryStub(tenant.id), (_instance, state) =>
    state.storage.sql
      .exec<{ subscription_id: string }>("SELECT subscription_id FROM failing_streaks")
      .toArray()
      .map((row) => row.subscription_id),
  );
