/**
 * Nothing stranded, and no crash loop, in the real object: a wake-up that joins a drain finishing its last
 * flush is delivered by that drain; a drain whose first D1 read fails leaves an alarm that delivers; a send
 * the object dies during backs off like a failure; an exception in the send path is an attempt, and the
 * delivery ends dead-lettered. Events are committed behind the gateway's back (no queue nudge), so the only
 * wake-ups are the test's one pump and the object's alarms.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { FAILURE_RETRY_MS } from "../../src/delivery/drain";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";
import { createRecord } from "../../src/records/record-writes";
import { call, createTenant, type TestTenant, shardOf } from "../helpers";
import { deliveryStub, enginePorts, listDeliveries, openWork, seqOf, settle, startReceiver, subscribe, type Receiver } from "./harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const commit = async (tenant: TestTenant, n: number) => createRecord(database(await shardOf(tenant.id)), { tenantId: tenant.id, form: "Widget", source: "test", data: { n } });

async function waitFor(condition: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("nothing stranded", () => {
  it("a pump that joins a drain awaiting its last attempt-log flush is delivered by that drain, with no further wake-up", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("join");
    await subscribe(tenant, { url: receiver.url });
    const stub = deliveryStub(tenant.id);
    // The drain's first wait for the attempt log to reach D1 lasts until the test opens the gate.
    let atFlush = false;
    let cursorsSaved = 0;
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    await runInDurableObject(stub, (instance: TenantDelivery) => {
      const controlPlane = enginePorts(instance).controlPlane;
      const flushed = controlPlane.attemptLogFlushed.bind(controlPlane);
      const saveCursor = controlPlane.saveCursor.bind(controlPlane);
      controlPlane.attemptLogFlushed = async () => {
        if (!atFlush) {
          atFlush = true;
          await gate;
        }
        return flushed();
      };
      controlPlane.saveCursor = async (tenantId, cursor) => {
        await saveCursor(tenantId, cursor);
        cursorsSaved++;
      };
    });
    await commit(tenant, 1);
    const first = stub.pump(tenant.id);
    await waitFor(() => atFlush);
    expect(receiver.received).toHaveLength(1);
    // A second event, and its wake-up: it fans out (the cursor and its D1 mirror advance) and joins the drain.
    await commit(tenant, 2);
    const second = stub.pump(tenant.id);
    await waitFor(() => cursorsSaved === 2);
    openGate();
    await Promise.all([first, second]);
    // Only waiting from here: the joined drain itself must have sent the second event.
    await settle(tenant.id, { wake: false, maxWaitMs: 1_000 });
    const seqs = receiver.received.map(seqOf);
    expect(seqs).toHaveLength(2);
    expect(seqs[1]).toBeGreaterThan(seqs[0]!);
    expect(await openWork(tenant.id)).toEqual({ pending: 0, inflight: 0, alarm: null });
  });

  it("a drain whose first D1 read fails sets an alarm soon, and that alarm delivers", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("d1down");
    await subscribe(tenant, { url: receiver.url });
    await commit(tenant, 1);
    const stub = deliveryStub(tenant.id);
    await runInDurableObject(stub, async (instance: TenantDelivery) => {
      // Fanned out already, so the next pump reads no event and its first D1 read is the drain's.
      instance.engine.store.rememberTenant(tenant.id);
      await instance.engine.fanOutNewEvents(tenant.id);
      const controlPlane = enginePorts(instance).controlPlane;
      const subscriptions = controlPlane.subscriptions.bind(controlPlane);
      let failed = false;
      controlPlane.subscriptions = async (tenantId) => {
        if (failed) return subscriptions(tenantId);
        failed = true;
        throw new Error("D1_ERROR: simulated outage");
      };
    });
    const woken = Date.now();
    const failure = await stub.pump(tenant.id).then(() => null, (error: unknown) => String(error));
    expect(failure).toMatch(/simulated outage/);
    const { pending, alarm } = await openWork(tenant.id);
    expect(pending).toBe(1);
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + FAILURE_RETRY_MS);
    // No pump: the runtime fires that alarm, and it delivers.
    await settle(tenant.id, { wake: false, maxWaitMs: FAILURE_RETRY_MS + 3_000 });
    expect(receiver.received).toHaveLength(1);
    expect(Date.now() - woken).toBeGreaterThanOrEqual(FAILURE_RETRY_MS - 1_000);
    expect(await listDeliveries(tenant)).toMatchObject([{ status: "delivered", attempts: 1 }]);
  });
});

describe("no crash loop", () => {
  it("a send the object dies during backs off like a timeout: the next instance does not send it before its retry time", async () => {
    const sentAt: number[] = [];
    receiver = startReceiver(() => {
      sentAt.push(Date.now());
      // The object dies during the first send; the second is answered.
      return sentAt.length === 1 ? new Promise<Response>(() => undefined) : new Response("ok");
    });
    const tenant = await createTenant("backoff");
    await subscribe(tenant, { url: receiver.url, retryDelaysMs: [1_500], maxAttempts: 2, timeoutMs: 30_000 });
    await commit(tenant, 1);
    const pumped = deliveryStub(tenant.id).pump(tenant.id).then(() => "ended", () => "killed");
    await waitFor(() => sentAt.length === 1);
    // A reset breaks every stub to the object: each call below gets a fresh one.
    await runInDurableObject(deliveryStub(tenant.id), (_instance, state) => state.abort("died during a send")).catch(() => undefined);
    expect(await pumped).toBe("killed");
    // The next instance wakes at once (the dead drain's watchdog alarm, run now) and finds the retry time ahead.
    expect(await runDurableObjectAlarm(deliveryStub(tenant.id))).toBe(true);
    expect(sentAt).toHaveLength(1);
    const { pending, alarm } = await openWork(tenant.id);
    expect(pending).toBe(1);
    // The first retry delay, less its 20 % jitter, less the moment between the in-flight mark and the request.
    expect(alarm).toBeGreaterThanOrEqual(sentAt[0]! + 1_100);
    await settle(tenant.id, { wake: false });
    expect(sentAt).toHaveLength(2);
    expect(sentAt[1]! - sentAt[0]!).toBeGreaterThanOrEqual(1_100);
    expect(await listDeliveries(tenant)).toMatchObject([{ status: "delivered", attempts: 2 }]);
  });

  it("an exception thrown in the send path is an attempt with its error, dead-lettered after maxAttempts, and the stream moves on", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("throws");
    await subscribe(tenant, { url: receiver.url, maxAttempts: 3, retryDelaysMs: [1, 1] });
    await commit(tenant, 1);
    await commit(tenant, 2);
    const stub = deliveryStub(tenant.id);
    let doomed: string | null = null;
    await runInDurableObject(stub, (instance: TenantDelivery) => {
      const attempts = enginePorts(instance).attempts;
      const attemptDelivery = attempts.attemptDelivery.bind(attempts);
      attempts.attemptDelivery = async (delivery, subscription, timeoutMs) => {
        doomed ??= delivery.id;
        if (delivery.id === doomed) throw new Error("renderer exploded");
        return attemptDelivery(delivery, subscription, timeoutMs);
      };
    });
    await settle(tenant.id);
    const deliveries = await listDeliveries(tenant);
    expect(deliveries.map((delivery) => [delivery.id === doomed, delivery.status, delivery.attempts])).toEqual([
      [true, "dead", 3],
      [false, "delivered", 1],
    ]);
    expect(deliveries[0]!.lastError).toBe("Internal error: renderer exploded");
    expect(receiver.received.map((request) => request.headers.get("webhook-id"))).toEqual([deliveries[1]!.id]);
    const logged = await (await call(tenant.slug, `/api/v1/deliveries/${doomed}`, { key: tenant.key })).json<{ attemptLog: { attempt: number; statusCode: number | null; error: string | null }[] }>();
    expect(logged.attemptLog.map((entry) => [entry.attempt, entry.statusCode, entry.error])).toEqual([
      [1, null, "Internal error: renderer exploded"],
      [2, null, "Internal error: renderer exploded"],
      [3, null, "Internal error: renderer exploded"],
    ]);
  });
});
