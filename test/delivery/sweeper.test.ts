/**
 * The sweeper and the tenant's status: a tenant whose earliest open delivery is overdue by more than a minute
 * (its alarm was lost) is nudged by sweep() and its delivery goes out; suspended tenants are neither swept nor
 * woken by the queue consumer, and ControlPlane.tenantActive() says so to the engine.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { ACTIVE_CACHE_MS, ControlPlane } from "../../src/delivery/control-plane";
import { DeliveryStore } from "../../src/delivery/delivery-store";
import type { DeliveryNudge } from "../../src/delivery/nudge";
import { consumeDeliveryNudges } from "../../src/delivery/queue-consumer";
import { deliveryCursorTable, laggingTenants, OVERDUE_AFTER_MS, overdueTenants, sweep } from "../../src/delivery/sweeper";
import { tenantsPastCursorQuery } from "../../src/records/event-feed";
import { database } from "../../src/db/client";
import { createRecord } from "../../src/records/record-writes";
import { admin, createTenant, type TestTenant, shardOf } from "../helpers";
import { deliveryStub, recordingEnv, startReceiver, subscribe, type Receiver } from "./harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

/** Hands the nudges for `tenantId` to the queue consumer, as the queue would; returns how each message ended. */
async function consume(tenantId: string): Promise<string[]> {
  const outcomes: string[] = [];
  const message = { body: { tenant: tenantId }, ack: () => outcomes.push("ack"), retry: () => outcomes.push("retry") };
  await consumeDeliveryNudges({ messages: [message] } as unknown as MessageBatch<DeliveryNudge>, env);
  return outcomes;
}

const cursorOf = (tenantId: string) =>
  runInDurableObject(deliveryStub(tenantId), (_instance, state) => new DeliveryStore(state.storage.sql).cursor());

async function waitFor(condition: () => boolean, ms = 5_000): Promise<void> {
  for (const deadline = Date.now() + ms; !condition(); ) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const setStatus = async (tenant: TestTenant, status: "active" | "suspended") =>
  expect((await admin(`/admin/v1/tenants/${tenant.slug}`, { method: "PATCH", json: { status } })).status).toBe(200);

describe("the sweeper finds overdue deliveries", () => {
  it("a retry whose alarm was lost is nudged by sweep() and then delivered, with no event lag", async () => {
    receiver = startReceiver((_request, index) => new Response(null, { status: index === 0 ? 503 : 200 }));
    const tenant = await createTenant("overdue");
    await subscribe(tenant, { url: receiver.url, retryDelaysMs: [1_500], maxAttempts: 3 });
    // Written behind the gateway's back (no queue nudge races with what follows); one pump makes the first attempt.
    await createRecord(database(await shardOf(tenant.id)), { tenantId: tenant.id, form: "Widget", source: "test", data: { n: 1 } });
    await deliveryStub(tenant.id).pump(tenant.id);
    expect(receiver.received).toHaveLength(1);
    // The alarm for the retry is lost; the object mirrors when its earliest delivery is due, as a drain does.
    const due = await runInDurableObject(deliveryStub(tenant.id), async (_instance, state) => {
      await state.storage.deleteAlarm();
      return new DeliveryStore(state.storage.sql).earliestDue();
    });
    expect(due).toBeGreaterThan(Date.now());
    await new ControlPlane(env).saveNextDue(tenant.id, due);
    await new Promise((resolve) => setTimeout(resolve, due! - Date.now() + 300));
    expect(receiver.received).toHaveLength(1);
    // Not lagging behind its events, and not yet overdue by a minute.
    expect(await laggingTenants(env)).not.toContain(tenant.id);

    const sent: DeliveryNudge[] = [];
    const later = due! + OVERDUE_AFTER_MS + 1;
    expect(await sweep(recordingEnv(sent), later)).toBeGreaterThan(0);
    expect(sent.map((nudge) => nudge.tenant)).toContain(tenant.id);
    expect(await consume(tenant.id)).toEqual(["ack"]);
    await waitFor(() => receiver!.received.length === 2);
    expect(receiver.received.map((request) => request.headers.get("webhook-id"))).toEqual([
      receiver.received[0]!.headers.get("webhook-id"),
      receiver.received[0]!.headers.get("webhook-id"),
    ]);
  });
});

describe("the sweep stays bounded", () => {
  it("both of its queries walk indexes: no scan of events or of delivery_cursors", async () => {
    const db = database(env.SHARD_0);
    const overdue = overdueTenants(db, Date.now()).toSQL();
    const plans = [
      (await env.SHARD_0.prepare(`EXPLAIN QUERY PLAN ${overdue.sql}`).bind(...overdue.params).all<{ detail: string }>()).results,
      await db.all<{ detail: string }>(sql`EXPLAIN QUERY PLAN ${tenantsPastCursorQuery(deliveryCursorTable, 1000)}`),
    ].map((rows) => rows.map((row) => row.detail));
    expect(plans[0]).toEqual(["SEARCH delivery_cursors USING INDEX delivery_cursors_next_due (next_due_at>? AND next_due_at<?)"]);
    for (const plan of plans) expect(plan.filter((detail) => /^SCAN (events|delivery_cursors)( |$)/.test(detail)), plan.join("\n")).toEqual([]);
    expect(plans[1]!.filter((detail) => detail.startsWith("SEARCH events")).every((detail) => detail.includes("INDEX sqlite_autoindex_events_1"))).toBe(true);
  });
});

describe("suspended tenants", () => {
  it("are not swept and not woken by a nudge until reactivated; nothing is lost", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("suspended");
    await subscribe(tenant, { url: receiver.url });
    await setStatus(tenant, "suspended");
    // An event committed behind the gateway's back: no nudge was sent for it.
    const change = await createRecord(database(await shardOf(tenant.id)), { tenantId: tenant.id, form: "Widget", source: "test", data: { n: 1 } });
    expect(await laggingTenants(env)).not.toContain(tenant.id);
    const sent: DeliveryNudge[] = [];
    await sweep(recordingEnv(sent));
    expect(sent.map((nudge) => nudge.tenant)).not.toContain(tenant.id);
    expect(await consume(tenant.id)).toEqual(["ack"]);
    expect(await cursorOf(tenant.id)).toBe(0);

    await setStatus(tenant, "active");
    expect(await laggingTenants(env)).toContain(tenant.id);
    expect(await consume(tenant.id)).toEqual(["ack"]);
    expect(await cursorOf(tenant.id)).toBe(change.event!.seq);
  });

  it("ControlPlane.tenantActive: an active read is trusted for ACTIVE_CACHE_MS, a suspension is never kept; a tenant not in the table counts as active", async () => {
    const tenant = await createTenant("active");
    const controlPlane = new ControlPlane(env);
    expect(await controlPlane.tenantActive(tenant.id)).toBe(true);
    await setStatus(tenant, "suspended");
    expect(await controlPlane.tenantActive(tenant.id)).toBe(true);
    expect(await new ControlPlane(env).tenantActive(tenant.id)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, ACTIVE_CACHE_MS + 50));
    expect(await controlPlane.tenantActive(tenant.id)).toBe(false);
    await setStatus(tenant, "active");
    expect(await controlPlane.tenantActive(tenant.id)).toBe(true);
    expect(await new ControlPlane(env).tenantActive(`ten_${crypto.randomUUID()}`)).toBe(true);
  });
});
