import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { call, createTenant, shardOf } from "../helpers";
import { createEntry, deliveryStub, listDeliveries, openWork, seqOf, settle, startReceiver, subscribe, updateEntry, type Receiver } from "./harness";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";
import { DeliveryStore } from "../../src/delivery/delivery-store";
import { WATCHDOG_MS } from "../../src/delivery/drain";
import { sweep } from "../../src/delivery/sweeper";
import { database } from "../../src/db/client";
import { createRecord } from "../../src/records/record-writes";
import { seededRandom as seeded } from "../seeded-random";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

/** Commits an event behind the gateway's back: no queue nudge wakes the object, only the test and its alarms. */
const commitUnnudged = async (tenantId: string, n: number) => createRecord(database(await shardOf(tenantId)), { tenantId, form: "Widget", source: "test", data: { n } });

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  for (const deadline = Date.now() + ms; !condition(); ) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("delivery engine", () => {
  it("delivers an AR callback for a committed entry, signed, with a stable webhook-id", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("dl");
    const subscriptionId = await subscribe(tenant, { url: receiver.url });
    const entryId = await createEntry(tenant, { Status: "New", Description: "VPN down" });
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request!.json).toMatchObject({
      webhook_id: subscriptionId,
      entry_event: "create",
      form_name: "Widget",
      entry_id: entryId,
      entry_details: { Status: "New", Description: "VPN down" },
    });
    expect(request!.json.record_id).toMatch(/^AG[0-9A-V]{28}$/);
    expect(request!.headers.get("user-agent")).toMatch(/^Hookgate\//);
    const secret = await (await call(tenant.slug, `/api/v1/subscriptions/${subscriptionId}/secret`, { key: tenant.key })).json<{ key: string }>();
    const verified = new Webhook(secret.key).verify(request!.body, Object.fromEntries(request!.headers));
    expect(verified).toMatchObject({ entry_id: entryId });
  });
});


const streamOf = (request: { json: Record<string, unknown> }, ordering: "subscription" | "record") =>
  ordering === "record" ? String(request.json.entry_id) : "all";

describe("order (invariant 2)", () => {
  it.each([
    ["subscription", 1],
    ["subscription", 7],
    ["record", 3],
    ["record", 11],
  ] as const)("ordering=%s, seed %i: each stream sees events in commit order, only dead letters missing", async (ordering, seed) => {
    const random = seeded(seed);
    receiver = startReceiver(() => (random() < 0.35 ? new Response("flaky", { status: 503 }) : new Response("ok")));
    const tenant = await createTenant("ord");
    await subscribe(tenant, { url: receiver.url, ordering, maxAttempts: 3, retryDelaysMs: [1, 1] });
    const ids = [await createEntry(tenant, { n: 0 }), await createEntry(tenant, { n: 1 }), await createEntry(tenant, { n: 2 })];
    for (let round = 1; round <= 5; round++) {
      for (const id of ids) await updateEntry(tenant, id, { n: round * 10 + ids.indexOf(id) });
    }
    await settle(tenant.id);

    const attempts = new Map<string, number[]>();
    for (const request of receiver.received) {
      const stream = streamOf(request, ordering);
      attempts.set(stream, [...(attempts.get(stream) ?? []), seqOf(request)]);
    }
    const deliveries = await (await call(tenant.slug, "/api/v1/deliveries?limit=500", { key: tenant.key })).json<{ items: { eventSeq: number; status: string }[] }>();
    const dead = new Set(deliveries.items.filter((item) => item.status === "dead").map((item) => item.eventSeq));
    const delivered = new Set(deliveries.items.filter((item) => item.status === "delivered").map((item) => item.eventSeq));
    expect(dead.size + delivered.size).toBe(18);
    for (const seqs of attempts.values()) {
      // Retries repeat a seq; a later seq never comes before an earlier one is finished.
      for (let index = 1; index < seqs.length; index++) expect(seqs[index]!).toBeGreaterThanOrEqual(seqs[index - 1]!);
    }
    const accepted = receiver.received.filter((request, index) => index >= 0 && delivered.has(seqOf(request)));
    expect(new Set(accepted.map(seqOf))).toEqual(delivered);
  });

  it("with ordering=record one failing record does not hold up the others", async () => {
    let failing = "";
    receiver = startReceiver((request) => (request.json.entry_id === failing ? new Response("down", { status: 500 }) : new Response("ok")));
    const tenant = await createTenant("rec");
    await subscribe(tenant, { url: receiver.url, ordering: "record", maxAttempts: 2, retryDelaysMs: [60_000] });
    failing = await createEntry(tenant, { n: 1 });
    const healthy = await createEntry(tenant, { n: 2 });
    await deliveryStub(tenant.id).pump(tenant.id);
    const okEntries = receiver.received.filter((request) => request.json.entry_id === healthy);
    expect(okEntries).toHaveLength(1);
    const streams = await (await call(tenant.slug, "/api/v1/streams", { key: tenant.key })).json<{ items: { pending: number; headEventSeq: number | null; nextAttemptAt: string | null }[] }>();
    expect(streams.items.filter((stream) => stream.pending > 0)).toHaveLength(1);
  });
});

describe("nothing acknowledged is lost (invariant 1)", () => {
  it("a lost queue nudge only delays: sweep() nudges the tenant through the queue, whose consumer delivers", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("lost");
    await subscribe(tenant, { url: receiver.url });
    // Write the event behind the gateway's back: no nudge was ever sent for it.
    await commitUnnudged(tenant.id, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(0);
    // The cron's sweep, with the real queue: the nudge reaches the queue consumer (src/index.ts), which pumps.
    expect(await sweep(env)).toBeGreaterThan(0);
    await waitFor(() => receiver!.received.length === 1);
    await settle(tenant.id, { wake: false });
    expect(receiver.received).toHaveLength(1);
    expect(await listDeliveries(tenant)).toMatchObject([{ status: "delivered", attempts: 1 }]);
  });

  it("a reset object resumes from its stored state: an in-flight send goes again with the same webhook-id", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("crash");
    await subscribe(tenant, { url: receiver.url });
    const stub = deliveryStub(tenant.id);
    // No nudge: a queue-nudged drain must not race the hand-made crash below.
    await commitUnnudged(tenant.id, 1);
    // Simulate a crash between "marked in flight" and the outcome: fan out, mark in flight, drop the instance.
    await runInDurableObject(stub, async (instance: TenantDelivery, state) => {
      await instance.engine.fanOutNewEvents(tenant.id);
      state.storage.sql.exec("UPDATE deliveries SET status = 'inflight', attempts = 1");
    });
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(stub);
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(1);
    const deliveries = await (await call(tenant.slug, "/api/v1/deliveries", { key: tenant.key })).json<{ items: { id: string; status: string; attempts: number }[] }>();
    expect(deliveries.items).toMatchObject([{ status: "delivered", attempts: 2 }]);
    expect(receiver.received[0]!.headers.get("webhook-id")).toBe(deliveries.items[0]!.id);
  });

  it("an object that dies mid-drain sends again what it had not written, in order and with the same webhook-ids", async () => {
    let gateOpen = false;
    receiver = startReceiver(async (_request, index) => {
      // The first send waits until every event is fanned out, so the drain then reads all of them at once.
      while (index === 0 && !gateOpen) await new Promise((resolve) => setTimeout(resolve, 1));
      // The fourth send never answers in this instance: the object dies with it in flight.
      if (index === 3) return new Promise<Response>(() => undefined);
      return new Response("ok");
    });
    const tenant = await createTenant("dies");
    // A long timeout: the held first send must not time out while the other events are created.
    await subscribe(tenant, { url: receiver.url, timeoutMs: 30_000 });
    const stub = deliveryStub(tenant.id);
    // Committed without queue nudges: a nudge's pump would write the outcomes this test needs held.
    await commitUnnudged(tenant.id, 1);
    const firstPump = stub.pump(tenant.id).catch(() => undefined);
    for (let n = 2; n <= 6; n++) await commitUnnudged(tenant.id, n);
    // A pump fans the rest out, then joins the drain (which waits on the first send).
    const secondPump = stub.pump(tenant.id).catch(() => undefined);
    const fannedOut = () => runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n);
    while ((await fannedOut()) < 6) await new Promise((resolve) => setTimeout(resolve, 1));
    // Hold every outcome until the drain ends (the first send's is in flight and not yet recorded), so the
    // death certainly lands while outcomes are held.
    await runInDurableObject(stub, (instance: TenantDelivery, state) => {
      instance.engine.store = new DeliveryStore(state.storage.sql, { maxHeld: 1_000, maxHeldMs: 600_000 });
    });
    gateOpen = true;
    // Polled from the test's own context: the receiver runs in the object's, which the crash ends.
    while (receiver.received.length < 4) await new Promise((resolve) => setTimeout(resolve, 1));
    // A crash: abort() resets the object at once (an eviction would wait for the send in flight).
    await runInDurableObject(stub, (_instance, state) => state.abort("simulated crash")).catch(() => undefined);
    await Promise.all([firstPump, secondPump]);
    await settle(tenant.id);

    // Storage knew the first delivered and the second in flight (the first send after a flush is written at
    // once); the outcome of the third and the fourth's send were held. The next instance resumes from
    // storage: the second, third and fourth go again, in order, then the rest. Nothing is lost or reordered.
    const first = Math.min(...receiver.received.map(seqOf));
    expect(receiver.received.map((request) => seqOf(request) - first + 1)).toEqual([1, 2, 3, 4, 2, 3, 4, 5, 6]);
    // A resent event carries the webhook-id and body it had the first time.
    for (const [index, request] of receiver.received.slice(4, 7).entries()) {
      expect(request.headers.get("webhook-id")).toBe(receiver.received[index + 1]!.headers.get("webhook-id"));
      expect(request.body).toBe(receiver.received[index + 1]!.body);
    }
    const deliveries = await (await call(tenant.slug, "/api/v1/deliveries", { key: tenant.key })).json<{ items: { status: string; attempts: number }[] }>();
    expect(deliveries.items.map((delivery) => [delivery.status, delivery.attempts])).toEqual([
      ["delivered", 1],
      ["delivered", 2],
      ...Array(4).fill(["delivered", 1]),
    ]);
  });

  it("after an instance died with a send in flight, the next records each send in flight before it goes, the one before it already delivered", async () => {
    // The new instance's own storage, read raw (no held writes run) by the receiver, which runs in its context.
    let storage: SqlStorage | null = null;
    const storedWhenSent: { status: string; attempts: number; previous: string | null }[] = [];
    receiver = startReceiver((request) => {
      const rows = storage!.exec<{ id: string; status: string; attempts: number }>("SELECT id, status, attempts FROM deliveries ORDER BY position").toArray();
      const index = rows.findIndex((row) => row.id === request.headers.get("webhook-id"));
      storedWhenSent.push({ status: rows[index]!.status, attempts: rows[index]!.attempts, previous: index > 0 ? rows[index - 1]!.status : null });
      return new Response("ok");
    });
    const tenant = await createTenant("cautious");
    await subscribe(tenant, { url: receiver.url });
    // No nudge: a queue-nudged drain must not race the hand-made death below.
    for (let n = 1; n <= 4; n++) await commitUnnudged(tenant.id, n);
    const stub = deliveryStub(tenant.id);
    // The last instance died with the first delivery in flight.
    await runInDurableObject(stub, async (instance: TenantDelivery, state) => {
      await instance.engine.fanOutNewEvents(tenant.id);
      state.storage.sql.exec("UPDATE deliveries SET status = 'inflight', attempts = 1 WHERE position = (SELECT MIN(position) FROM deliveries)");
    });
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(stub);
    await runInDurableObject(stub, (_instance, state) => {
      storage = state.storage.sql;
    });
    await settle(tenant.id);
    expect(receiver.received.map(seqOf)).toEqual([...receiver.received.map(seqOf)].sort((a, b) => a - b));
    // Storage, not memory, said "in flight" (with the attempt counted) while each request was out, and the
    // one before it was already stored as delivered.
    expect(storedWhenSent).toEqual([
      { status: "inflight", attempts: 2, previous: null },
      { status: "inflight", attempts: 1, previous: "delivered" },
      { status: "inflight", attempts: 1, previous: "delivered" },
      { status: "inflight", attempts: 1, previous: "delivered" },
    ]);
  });

  it("a send that kills the object is charged each time: after maxAttempts it is dead-lettered unsent, and its stream moves on", async () => {
    let doomed: string | null = null;
    let doomedSends = 0;
    receiver = startReceiver((request) => {
      doomed ??= request.headers.get("webhook-id");
      if (request.headers.get("webhook-id") !== doomed) return new Response("ok");
      // This request never answers: the test kills the object while it is out.
      doomedSends++;
      return new Promise<Response>(() => undefined);
    });
    const tenant = await createTenant("killer");
    await subscribe(tenant, { url: receiver.url, maxAttempts: 3, retryDelaysMs: [1, 1], timeoutMs: 30_000 });
    // No queue nudge (or its retries after a death) wakes the object: only the test's pump and the alarms.
    await commitUnnudged(tenant.id, 1);
    await commitUnnudged(tenant.id, 2);
    // A reset breaks every stub to the object: each call below gets a fresh one.
    const stored = () =>
      runInDurableObject(deliveryStub(tenant.id), (_instance, state) =>
        state.storage.sql.exec<{ status: string; attempts: number }>("SELECT status, attempts FROM deliveries WHERE id = ?", doomed).one(),
      );
    // The first wake-up is a pump (a queue nudge); after each death, the alarm the dying drain left behind.
    let wake: Promise<unknown> = deliveryStub(tenant.id).pump(tenant.id).then(() => "ended", () => "killed");
    for (let kill = 1; kill <= 3; kill++) {
      await waitFor(() => doomedSends === kill);
      await runInDurableObject(deliveryStub(tenant.id), (_instance, state) => state.abort("killed by a send")).catch(() => undefined);
      expect(await wake).toBe("killed");
      // The attempt was charged before the request went out; the next instance finds it no longer in flight.
      expect(await stored()).toEqual({ status: "pending", attempts: kill });
      const { alarm } = await openWork(tenant.id);
      expect(alarm).not.toBeNull();
      expect(alarm!).toBeLessThanOrEqual(Date.now() + WATCHDOG_MS);
      // That alarm (the dead drain's watchdog) would fire within WATCHDOG_MS; the test runs it now.
      wake = runDurableObjectAlarm(deliveryStub(tenant.id)).then((ran) => ran, () => "killed");
    }
    // Out of attempts: that alarm's drain gives the delivery up without sending it, and the next event goes.
    await waitFor(() => doomedSends > 3 || receiver!.received.length > doomedSends);
    expect(doomedSends).toBe(3);
    expect(await wake).toBe(true);
    await settle(tenant.id, { wake: false });
    const [first, ...rest] = receiver.received.map(seqOf);
    expect(rest).toHaveLength(3);
    expect(rest.slice(0, 2)).toEqual([first, first]);
    expect(rest[2]).toBeGreaterThan(first!);
    const deliveries = await listDeliveries(tenant);
    expect(deliveries.map((delivery) => [delivery.id === doomed, delivery.status, delivery.attempts])).toEqual([
      [true, "dead", 3],
      [false, "delivered", 1],
    ]);
    expect(deliveries[0]!.lastError).toMatch(/Gave up after 3 attempts.*interrupted/);
  });

  it("a drain hands a backlog past its send budget over to an alarm set for now, and the alarm goes on in order", async () => {
    let gateOpen = false;
    receiver = startReceiver(async (_request, index) => {
      // The first send waits until all seven events are fanned out behind it.
      while (index === 0 && !gateOpen) await new Promise((resolve) => setTimeout(resolve, 1));
      return new Response("ok");
    });
    const tenant = await createTenant("budget");
    await subscribe(tenant, { url: receiver.url, timeoutMs: 30_000 });
    const stub = deliveryStub(tenant.id);
    // A budget of 3 sends per drain (SENDS_PER_DRAIN in production).
    await runInDurableObject(stub, (instance: TenantDelivery) => {
      instance.engine.sendsPerDrain = 3;
    });
    // Committed without queue nudges: the test's two pumps and then the alarm are the only wake-ups.
    await commitUnnudged(tenant.id, 1);
    const drain = stub.pump(tenant.id);
    for (let n = 2; n <= 7; n++) await commitUnnudged(tenant.id, n);
    const fannedOut = () => runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries").one().n);
    const joined = stub.pump(tenant.id);
    while ((await fannedOut()) < 7) await new Promise((resolve) => setTimeout(resolve, 1));
    gateOpen = true;
    await Promise.all([drain, joined]);
    // That drain stopped after its budget with events still due...
    expect(receiver.received.length).toBeGreaterThanOrEqual(3);
    expect(receiver.received.length).toBeLessThan(7);
    // ...and its alarm, set for now, delivers the rest in invocations of their own: no pump from the test.
    const deadline = Date.now() + 5_000;
    while (receiver.received.length < 7 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const seqs = receiver.received.map(seqOf);
    expect(seqs).toHaveLength(7);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("an alarm run twice (and repeated pumps) never sends twice", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("twice");
    await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    const stub = deliveryStub(tenant.id);
    await Promise.all([stub.pump(tenant.id), stub.pump(tenant.id), runDurableObjectAlarm(stub), runDurableObjectAlarm(stub)]);
    await settle(tenant.id);
    await runDurableObjectAlarm(stub);
    expect(receiver.received).toHaveLength(1);
  });
});

describe("at-least-once with an id (invariant 3)", () => {
  it("duplicates only follow an unknown outcome (a timeout), and carry the same webhook-id", async () => {
    receiver = startReceiver(async (_request, index) => {
      if (index === 0) await new Promise((resolve) => setTimeout(resolve, 300));
      return new Response("ok");
    });
    const tenant = await createTenant("dup");
    await subscribe(tenant, { url: receiver.url, timeoutMs: 50, retryDelaysMs: [1] });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const ids = receiver.received.map((request) => request.headers.get("webhook-id"));
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    const first = await (await call(tenant.slug, `/api/v1/deliveries/${ids[0]}`, { key: tenant.key })).json<{ attemptLog: { error: string | null; statusCode: number | null }[] }>();
    expect(first.attemptLog[0]).toMatchObject({ statusCode: null, error: expect.stringContaining("Timed out") });
    expect(first.attemptLog[1]).toMatchObject({ statusCode: 200 });
  });
});
