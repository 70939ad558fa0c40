/**
 * Per-subscription throttling in the engine (issue 20, item 2): a rate limit's token bucket spaces callbacks
 * out, never reorders a stream, caps a record-ordered subscription across all its streams, throttles the
 * tenant's asynchronous lifecycle hooks as one bucket, and shows in GET /api/v1/streams. Every backlog here
 * drains with no pumping by the test: one wake-up (what a queue nudge does), then only the object's own alarms.
 */
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { createEntry, deliveryStub, settle, startReceiver, subscribe, type Receiver } from "./harness";
import type { StreamView } from "../../src/delivery/delivery-view";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

/** A receiver that notes when each callback arrived. */
function timedReceiver(): { receiver: Receiver; arrivals: number[] } {
  const arrivals: number[] = [];
  const started = startReceiver(() => {
    arrivals.push(Date.now());
    return new Response("ok");
  });
  return { receiver: started, arrivals };
}

/** The largest number of arrivals inside any window of `windowMs` (inclusive of its start). */
const busiestWindow = (arrivals: readonly number[], windowMs: number): number =>
  Math.max(...arrivals.map((start) => arrivals.filter((time) => time >= start && time < start + windowMs).length));

const streams = async (tenant: TestTenant): Promise<StreamView[]> =>
  (await (await call(tenant.slug, "/api/v1/streams", { key: tenant.key })).json<{ items: StreamView[] }>()).items;

describe("rate_limit_per_second", () => {
  it("5 a second: 30 events arrive in order, spread over at least 5 s, never more than a burst plus the rate in any second", async () => {
    const timed = timedReceiver();
    receiver = timed.receiver;
    const tenant = await createTenant("throttle");
    await subscribe(tenant, { url: receiver.url, rateLimitPerSecond: 5 });
    for (let n = 1; n <= 30; n++) await createEntry(tenant, { n });
    await settle(tenant.id, { maxWaitMs: 20_000 });
    expect(receiver.received.map((request) => (request.json.entry_details as { n: number }).n)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // A burst of 5 at once, then one every 200 ms: the 30th goes at least 25 / 5 = 5 s after the first.
    expect(timed.arrivals.at(-1)! - timed.arrivals[0]!).toBeGreaterThanOrEqual(5_000 - 50);
    expect(busiestWindow(timed.arrivals, 1_000)).toBeLessThanOrEqual(10);
  }, 40_000);

  it("caps a record-ordered subscription across all its streams, not per stream", async () => {
    const timed = timedReceiver();
    receiver = timed.receiver;
    const tenant = await createTenant("throttle-rec");
    await subscribe(tenant, { url: receiver.url, ordering: "record", rateLimitPerSecond: 4 });
    // Each entry is a record of its own: 16 streams, every head due at once.
    for (let n = 1; n <= 16; n++) await createEntry(tenant, { n });
    await settle(tenant.id, { maxWaitMs: 20_000 });
    expect(receiver.received).toHaveLength(16);
    expect(timed.arrivals.at(-1)! - timed.arrivals[0]!).toBeGreaterThanOrEqual(3_000 - 50);
    expect(busiestWindow(timed.arrivals, 1_000)).toBeLessThanOrEqual(8);
  }, 40_000);

  it("another subscription of the tenant is not held back by a throttled one", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("throttle-two");
    // One receiver (the transport has one handler at a time), two callback URLs under it.
    const slowUrl = `${receiver.url}/slow`;
    await subscribe(tenant, { url: slowUrl, rateLimitPerSecond: 1 });
    await subscribe(tenant, { url: `${receiver.url}/fast` });
    for (let n = 1; n <= 4; n++) await createEntry(tenant, { n });
    const toSlow = () => receiver!.received.filter((request) => request.url === slowUrl);
    await deliveryStub(tenant.id).pump(tenant.id);
    // One wake-up: the unlimited subscription has everything, the limited one its burst of 1 (plus what refilled).
    expect(receiver.received.length - toSlow().length).toBe(4);
    expect(toSlow().length).toBeLessThan(4);
    await settle(tenant.id, { wake: false, maxWaitMs: 10_000 });
    expect(toSlow()).toHaveLength(4);
  }, 30_000);

  it("GET /api/v1/streams shows the rate limit and a throttled head, then the backlog drains on its own", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("throttle-view");
    const id = await subscribe(tenant, { url: receiver.url, rateLimitPerSecond: 1 });
    for (let n = 1; n <= 3; n++) await createEntry(tenant, { n });
    await deliveryStub(tenant.id).pump(tenant.id);
    const [stream] = await streams(tenant);
    expect(stream).toMatchObject({ subscriptionId: id, rateLimitPerSecond: 1, throttled: true });
    expect(stream!.pending).toBeGreaterThanOrEqual(1);
    await settle(tenant.id, { wake: false, maxWaitMs: 10_000 });
    expect(receiver.received).toHaveLength(3);
    const [drained] = await streams(tenant);
    expect(drained).toMatchObject({ pending: 0, rateLimitPerSecond: 1, throttled: false });
  }, 30_000);

  it("an unlimited subscription's streams say so", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("throttle-none");
    await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    expect(await streams(tenant)).toEqual([expect.objectContaining({ rateLimitPerSecond: null, throttled: false })]);
  });
});

describe("the lifecycle hooks' rateLimitPerSecond", () => {
  it("throttles the tenant's asynchronous hook calls as one bucket, across users", async () => {
    const timed = timedReceiver();
    receiver = timed.receiver;
    const tenant = await createTenant("throttle-life");
    const saved = await call(tenant.slug, "/api/v1/lifecycle-hooks", {
      key: tenant.key,
      method: "PUT",
      json: { baseUrl: receiver.url, token: "t", enabled: ["postCreateUser"], rateLimitPerSecond: 2 },
    });
    expect(saved.status).toBe(200);
    for (let n = 1; n <= 6; n++) await createEntry(tenant, { first_name: `U${n}`, last_name: "L", email: `u${n}@corp.example`, employee_id: `${1000 + n}` }, "User");
    await settle(tenant.id, { maxWaitMs: 15_000 });
    expect(receiver.received).toHaveLength(6);
    // A burst of 2, then one every 500 ms: the sixth at least 2 s after the first.
    expect(timed.arrivals.at(-1)! - timed.arrivals[0]!).toBeGreaterThanOrEqual(2_000 - 50);
  }, 30_000);
});
